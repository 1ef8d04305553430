using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Publishing;

/// <summary>
/// Builds a <see cref="HealthReport"/> from the engine's outcomes, as safe as HealthKit's responses at Full detail:
/// descriptions and data already redacted, and no original exception.
/// </summary>
internal static class HealthReportFactory
{
    public static HealthReport Create(Evaluation evaluation)
    {
        var entries = new Dictionary<string, HealthReportEntry>(evaluation.Slots.Length, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < evaluation.Slots.Length; i++)
        {
            var slot = evaluation.Slots[i];
            var outcome = evaluation.Outcomes[i];
            entries[slot.Name] = new HealthReportEntry(
                outcome.Status,
                outcome.Description,
                outcome.Duration,
                outcome.ExceptionMessage is { } message ? new ReportedException(message) : null,
                ToDictionary(outcome.Data),
                slot.Tags);
        }

        return new HealthReport(entries, evaluation.Status, evaluation.TotalDuration);
    }

    /// <summary>The sanitizer's pairs as the dictionaries publishers expect, at every depth.</summary>
    private static Dictionary<string, object> ToDictionary(IReadOnlyList<KeyValuePair<string, object?>> pairs)
    {
        var dictionary = new Dictionary<string, object>(pairs.Count, StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            dictionary.TryAdd(key, ToValue(value)!);
        }

        return dictionary;
    }

    private static object? ToValue(object? value) => value switch
    {
        KeyValuePair<string, object?>[] pairs => ToDictionary(pairs),
        object?[] items => Array.ConvertAll(items, ToValue),
        _ => value,
    };
}
