using System.Text.Json;
using Json.Schema;

namespace HealthKit.Tests.HealthJson;

/// <summary>The committed schema of application/health+json (docs/health+json.schema.json), for validating answers.</summary>
internal static class HealthJsonSchema
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromFile(Path.Combine(AppContext.BaseDirectory, "docs", "health+json.schema.json")));

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>The schema's complaints about <paramref name="json"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Problems(string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = Schema.Value.Evaluate(document.RootElement, Options);
        if (result.IsValid)
        {
            return [];
        }

        // Some keywords (not, if/then) fail without a message of their own; the failing locations still say where.
        var problems = (result.Details ?? []).Where(d => !d.IsValid)
            .Select(d => $"{d.InstanceLocation} ({d.EvaluationPath}): {string.Join("; ", (d.Errors ?? new Dictionary<string, string>()).Select(e => $"{e.Key} {e.Value}"))}")
            .ToList();
        return problems.Count > 0 ? problems : ["invalid"];
    }

    public static void AssertValid(string json)
    {
        var problems = Problems(json);
        Assert.True(problems.Count == 0, $"not valid application/health+json:\n{string.Join('\n', problems)}\n{json}");
    }
}
