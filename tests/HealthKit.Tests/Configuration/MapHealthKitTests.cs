using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Tests.Configuration;

public sealed class MapHealthKitTests
{
    [Fact]
    public async Task MapHealthKit_TwiceAtTheSamePrefix_ThrowsSayingWhereTheFirstIs()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            map: app =>
            {
                app.MapHealthKit();
                app.MapHealthKit();
            }));

        Assert.StartsWith("HealthKit is already mapped at '/health' (from HealthKit:PathPrefix, mapped by HealthKit.Tests.Configuration.MapHealthKitTests", error.Message, StringComparison.Ordinal);
        Assert.Contains("MapHealthKit(\"/other\")", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapHealthKit_PrefixArgumentEqualToTheConfiguredOne_Throws()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            map: app =>
            {
                app.MapHealthKit("/probes");
                app.MapHealthKit();
                app.MapHealthKit("/PROBES");
            }));

        Assert.StartsWith("HealthKit is already mapped at '/probes' (passed to MapHealthKit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapHealthKit_AtTwoPrefixes_AnswersOnBoth()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            map: app =>
            {
                app.MapHealthKit();
                app.MapHealthKit("/healthz");
            });

        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/healthz/live")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("//x", "has an empty segment")]
    [InlineData("/x/", "must not end with '/'")]
    [InlineData("/x#y", "must not contain '?' or '#'")]
    public void MapHealthKit_PrefixArgumentBreakingThePathRules_ThrowsArgumentException(string prefix, string problem)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddHealthKit();
        var app = builder.Build();

        var error = Assert.Throws<ArgumentException>(() => app.MapHealthKit(prefix));

        Assert.Equal("pathPrefix", error.ParamName);
        Assert.Contains($"The path prefix '{prefix}' {problem}", error.Message, StringComparison.Ordinal);
    }
}
