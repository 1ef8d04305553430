using HealthKit.Latency;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Latency;

public sealed class ResponseLatencyTests
{
    private static HealthCheckContext Context() => new()
    {
        Registration = new HealthCheckRegistration("latency", _ => null!, HealthStatus.Unhealthy, null),
    };

    [Fact]
    public async Task TooFewSamples_StaysHealthy_AndSaysSo()
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(60), time);
        for (var i = 0; i < 5; i++)
        {
            recorder.Record(TimeSpan.FromSeconds(30));
        }

        var result = await new ResponseLatencyHealthCheck(recorder, new ResponseLatencyCheckOptions()).CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("not enough requests to judge: 5 of 20 in the last 60 s", result.Description);
        Assert.Equal(5L, result.Data["requestCount"]);
    }

    [Theory]
    [InlineData(100, HealthStatus.Healthy)]
    [InlineData(1500, HealthStatus.Degraded)]
    [InlineData(6000, HealthStatus.Unhealthy)]
    public async Task Thresholds_JudgePercentiles(int milliseconds, HealthStatus expected)
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(60), time);
        for (var i = 0; i < 100; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(milliseconds));
        }

        var result = await new ResponseLatencyHealthCheck(recorder, new ResponseLatencyCheckOptions()).CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.Status);
        Assert.Equal(100L, result.Data["requestCount"]);
        Assert.InRange((double)result.Data["p95Ms"], milliseconds * 0.93, milliseconds * 1.07);
    }

    [Fact]
    public async Task Middleware_RecordsOrdinaryRequests_NotHealthEndpoints()
    {
        var time = new FakeTimeProvider();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddResponseLatency();
            },
            map: app =>
            {
                app.MapGet("/orders", () =>
                {
                    time.Advance(TimeSpan.FromMilliseconds(40));
                    return "done";
                });
                app.MapHealthKit();
            },
            environment: "Development");

        for (var i = 0; i < 10; i++)
        {
            await host.GetAsync("/health");
            await host.GetAsync("/health/live");
        }

        var registry = host.Services.GetRequiredService<LatencyRecorderRegistry>();
        Assert.Equal(0, registry.Get("latency").Snapshot().Count);

        for (var i = 0; i < 25; i++)
        {
            Assert.Equal(200, (await host.GetAsync("/orders")).StatusCode);
        }

        await host.GetAsync("/not-found");

        var snapshot = registry.Get("latency").Snapshot();
        Assert.Equal(26, snapshot.Count);
        Assert.InRange(snapshot.Percentile(95).TotalMilliseconds, 40 * 0.93, 40 * 1.07);
    }
}
