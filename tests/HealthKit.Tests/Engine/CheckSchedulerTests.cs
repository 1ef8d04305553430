using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>
/// Check runs start on the engine's own bounded set of threads, never on the shared thread pool; when checks hold them
/// all, the runs that wait still end at their timeout, and the episode is logged once and counted.
/// </summary>
public sealed class CheckSchedulerTests
{
    private const int SaturatedEvent = 32;
    private const int FreeEvent = 33;

    [Fact]
    public async Task Run_StartsOnACheckThread_NotAPoolThread()
    {
        var seen = new TaskCompletionSource<(bool Pool, string? Name)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartWithChecksAsync(
            new FakeTimeProvider(),
            c => c.AddCheck("where", () =>
            {
                seen.TrySetResult((Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
                return HealthCheckResult.Healthy();
            }));

        await host.GetAsync("/health");

        var (pool, name) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.False(pool);
        Assert.Equal("HealthKit check", name);
    }

    [Fact]
    public async Task Run_AllCheckThreadsHeld_WaitingRunEndsAtItsTimeout_WithoutStarting_AndSaturationIsLoggedOnce()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        using var stuck = new StuckCheck(TimeSpan.FromSeconds(30));
        var waiting = new CountingCheck(() => HealthCheckResult.Healthy());
        await using var host = await TestHost.StartWithChecksAsync(
            time,
            c => c.AddCheck("stuck", stuck).AddCheck("waiting", waiting),
            o =>
            {
                o.CheckThreads = 1;
                o.Endpoints.Health.DetailLevel = HealthDetailLevel.Full;
                o.Defaults.Timeout = TimeSpan.FromMilliseconds(500);
            },
            logs);
        using var meter = new MeterCapture(host.Services);

        var pending = host.GetAsync("/health");
        await Eventually.True(() => stuck.Runs == 1 && host.Services.GetRequiredService<HealthEngine>().Scheduler.Waiting == 1);
        var scrape = meter.Scrape();
        Assert.Equal(1, scrape.Series("healthkit.check.threads.busy"));
        Assert.Equal(1, scrape.Series("healthkit.check.threads.waiting"));
        Assert.Equal(1, scrape.Series("healthkit.check.threads.saturations"));
        time.Advance(TimeSpan.FromMilliseconds(500));
        var response = await pending.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("timed out", response.Description("waiting"));
        Assert.Equal("timed out", response.Description("stuck"));
        var saturated = Assert.Single(logs.ForEvent(SaturatedEvent, "HealthKitCheckThreadsSaturated"));
        Assert.Contains("all 1 check threads (HealthKit:CheckThreads)", saturated.Message, StringComparison.Ordinal);
        Assert.Empty(logs.ForEvent(FreeEvent, "HealthKitCheckThreadsFree"));

        stuck.Release();

        await Eventually.True(() => logs.ForEvent(FreeEvent, "HealthKitCheckThreadsFree").Any());
        Assert.Contains("1 runs waited", Assert.Single(logs.ForEvent(FreeEvent, "HealthKitCheckThreadsFree")).Message, StringComparison.Ordinal);
        Assert.Equal(0, waiting.Runs);
        Assert.Single(logs.ForEvent(SaturatedEvent, "HealthKitCheckThreadsSaturated"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    public async Task CheckThreads_OutOfRange_StopsStartup_NamingTheKey(string value)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?> { ["HealthKit:CheckThreads"] = value }));

        Assert.Contains($"HealthKit:CheckThreads ({value}) must be between 1 and 256", error.Message, StringComparison.Ordinal);
    }
}
