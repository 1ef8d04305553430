using System.Globalization;
using System.Text.Json;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Redaction;

/// <summary>Every case of the table, returned by a check as data and description, read through the real endpoints.</summary>
public sealed class RedactionResponseTests
{
    private static readonly string[] Paths = ["/health", "/health/ready", "/health?format=text&verbose", "/health/ready?format=text&verbose"];

    public static TheoryData<string, string?, string> Levels => new()
    {
        { "Development", null, "Full" },
        { "Production", "Full", "Full" },
        { "Production", "Components", "Components" },
        { "Production", "Status", "Status" },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public async Task Endpoints_EveryCase_NoSecretAtThisDetailLevel(string environment, string? configuredLevel, string level)
    {
        await using var host = await TestHost.StartAsync(
            b =>
            {
                var checks = b.Services.AddHealthKit();
                for (var i = 0; i < RedactionCases.All.Length; i++)
                {
                    var c = RedactionCases.All[i];
                    checks.AddCheck(Name(i), () => HealthCheckResult.Degraded(c.Text, data: Data(c)), tags: [HealthKitTags.Ready]);
                }
            },
            configuration: configuredLevel is null ? null : new Dictionary<string, string?>
            {
                ["HealthKit:Endpoints:Health:DetailLevel"] = configuredLevel,
                ["HealthKit:Endpoints:Ready:DetailLevel"] = configuredLevel,
            },
            environment: environment);

        foreach (var path in Paths)
        {
            var response = await host.GetAsync(path);

            Assert.Equal(200, response.StatusCode);
            Assert.All(RedactionCases.AllSecrets, secret => Assert.DoesNotContain(secret, response.Body, StringComparison.Ordinal));
        }

        var json = await host.GetAsync("/health");
        var text = (await host.GetAsync("/health?format=text&verbose")).Body;
        var failures = new List<string>();
        for (var i = 0; i < RedactionCases.All.Length; i++)
        {
            var c = RedactionCases.All[i];
            switch (level)
            {
                case "Full":
                    var entry = json.Entry(Name(i));
                    Expect(failures, c, "description", c.ExpectedText, entry.GetProperty("description").GetString());
                    var data = entry.GetProperty("data");
                    Expect(failures, c, "data", c.ExpectedValue, Render(data, c.RenderedKey));
                    Expect(failures, c, "nested data", c.ExpectedValue, Render(data.GetProperty("nested"), c.RenderedKey));
                    Expect(failures, c, "list", c.ExpectedText, Render(data.GetProperty("list")[0]));
                    if (!text.Contains($"[~]{Name(i)} degraded: {c.ExpectedText} (", StringComparison.Ordinal))
                    {
                        failures.Add($"{c.Key}: text report lacks '{c.ExpectedText}'");
                    }

                    break;
                case "Components":
                    Assert.Equal("Degraded", json.Entry(Name(i)).GetProperty("status").GetString());
                    Assert.False(json.Entry(Name(i)).TryGetProperty("description", out _));
                    Assert.Contains($"[~]{Name(i)} degraded: reason withheld", text, StringComparison.Ordinal);
                    break;
                default:
                    Assert.False(json.Json.TryGetProperty("entries", out _));
                    break;
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    internal static string Name(int index) => "case-" + index.ToString("00", CultureInfo.InvariantCulture);

    private static Dictionary<string, object> Data(RedactionCase c) => new()
    {
        [c.Key] = c.Value,
        ["nested"] = new Dictionary<string, object> { [c.Key] = c.Value },

        // A list has no keys, so its items can only be scrubbed as free text: it carries the case's text.
        ["list"] = new[] { c.Text },
    };

    private static string? Render(JsonElement parent, string key) =>
        parent.TryGetProperty(key, out var value) ? Render(value) : $"(no property '{key}')";

    private static string? Render(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();

    private static void Expect(List<string> failures, RedactionCase c, string where, string? expected, string? actual)
    {
        if (expected != actual)
        {
            failures.Add($"{c.Key}: {where} was '{actual}', expected '{expected}'");
        }
    }
}
