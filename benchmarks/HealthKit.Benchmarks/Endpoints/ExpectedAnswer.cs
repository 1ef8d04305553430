using System.Text.Json;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// What the check-count benchmarks claim to measure, checked on an answer before they measure it: 200, Healthy, and a
/// given number of entries, every one Healthy.
/// </summary>
internal static class ExpectedAnswer
{
    /// <summary>
    /// Throws unless the answer is 200 and Healthy with <paramref name="entries"/> Healthy entries (0: an answer without
    /// <c>entries</c>, as at <c>Status</c>).
    /// </summary>
    public static void Verify(int statusCode, string body, int entries)
    {
        using var answer = JsonDocument.Parse(body);
        var root = answer.RootElement;
        var found = root.TryGetProperty("entries", out var list) ? list.EnumerateObject().ToList() : [];
        if (statusCode != 200
            || root.GetProperty("status").GetString() != "Healthy"
            || found.Count != entries
            || found.Any(e => e.Value.GetProperty("status").GetString() != "Healthy"))
        {
            throw new InvalidOperationException($"Unexpected answer {statusCode} (expected 200, Healthy, {entries} Healthy entries): {body}");
        }
    }
}
