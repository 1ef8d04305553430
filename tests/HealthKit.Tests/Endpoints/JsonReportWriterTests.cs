using System.Text.Json;
using HealthKit.Endpoints;
using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Endpoints;

public sealed class JsonReportWriterTests
{
    private static CheckOutcome Outcome(string description, params KeyValuePair<string, object?>[] data) =>
        new(HealthStatus.Healthy, description, TimeSpan.FromMilliseconds(5), new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), 0, data);

    [Fact]
    public void RenderFullEntry_AfterALargerEntryOnTheSameThread_HoldsOnlyItsOwnJson()
    {
        var large = Outcome(new string('x', 10_000), [new("items", Enumerable.Range(0, 100).Select(i => (object?)i).ToArray())]);
        var small = Outcome("small", [new("count", 3)]);

        var largeJson = JsonReportWriter.RenderFullEntry(large, ["ready"]);
        var smallJson = JsonReportWriter.RenderFullEntry(small, []);

        using var largeDocument = JsonDocument.Parse(largeJson);
        using var smallDocument = JsonDocument.Parse(smallJson);
        Assert.Equal(100, largeDocument.RootElement.GetProperty("data").GetProperty("items").GetArrayLength());
        Assert.Equal("small", smallDocument.RootElement.GetProperty("description").GetString());
        Assert.Equal(3, smallDocument.RootElement.GetProperty("data").GetProperty("count").GetInt32());
        Assert.Equal(["status", "description", "duration", "producedAt", "tags", "data"], smallDocument.RootElement.EnumerateObject().Select(p => p.Name));
    }
}
