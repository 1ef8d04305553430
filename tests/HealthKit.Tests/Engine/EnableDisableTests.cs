using HealthKit.Engine;
using HealthKit.Internal;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Listeners;
using HealthKit.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>Turning a check off and on again through a live reload is exact, whatever the timing.</summary>
public sealed class EnableDisableTests
{
    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder> checks, Dictionary<string, string?> configuration, TestLogSink? logs = null) =>
        TestHost.StartWithChecksAsync(time, checks, logs: logs, configuration: configuration);

    [Fact]
    public async Task Background_DisabledAndEnabledWithinOnePeriod_RunsAtOnce()
    {
        var time = new FakeTimeProvider();
        var healthy = false;
        var check = new CountingCheck(() => healthy ? HealthCheckResult.Healthy("back") : HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(
            time,
            c => c.AddCheck("db", check, tags: [HealthKitTags.Ready]),
            new() { ["HealthKit:Checks:db:Mode"] = "Background", ["HealthKit:Checks:db:Period"] = "00:01:00" });
        await Eventually.True(() => check.Runs == 1);
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);

        host.Edit(("HealthKit:Checks:db:Enabled", "false"));
        healthy = true;
        host.Edit(("HealthKit:Checks:db:Enabled", "true"));

        // No time passes: the run comes from the enable, not from the period. Readiness never answers with the result
        // from before the disable.
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.True(check.Runs >= 2);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        await Eventually.True(() => engine.Endpoints.Get("Ready")!.Status == HealthStatus.Healthy);
    }

    [Fact]
    public async Task DisabledCheck_AbandonedRunReturnsAfterTheDisable_SaysNothingAndHasNoSeries()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var recorded = new RecordingListener();
        var inner = new CountingCheck(() => HealthCheckResult.Healthy("late")) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(
            time,
            c =>
            {
                c.AddCheck("db", new IgnoresTokenCheck(inner));
                c.Services.AddSingleton<IHealthStatusListener>(recorded);
            },
            new() { ["HealthKit:Defaults:CacheTtl"] = "00:00:00", ["HealthKit:Defaults:FailureCacheTtl"] = "00:00:00" },
            logs);
        using var meter = new MeterCapture(host.Services);
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;

        var request = host.GetAsync("/health/checks/db");
        await Eventually.True(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            return request.IsCompleted;
        });
        Assert.Equal(503, (await request).StatusCode);
        Assert.True(slot.RunState.Abandoned);
        await Eventually.True(() => recorded.Changes.Count == 2);
        Assert.NotNull(meter.Scrape().Series("healthkit.check.age", ("healthkit.check.name", "db")));

        host.Edit(("HealthKit:Checks:db:Enabled", "false"));
        var logged = logs.ForEvent(Log.Events.CheckStatusChanged, "HealthKitCheckStatusChanged").Count();
        inner.Gate.SetResult();
        await Eventually.True(() => !slot.RunState.Abandoned);

        Assert.Equal(logged, logs.ForEvent(Log.Events.CheckStatusChanged, "HealthKitCheckStatusChanged").Count());
        Assert.Equal(2, recorded.Changes.Count);
        var scrape = meter.Scrape();
        Assert.Empty(scrape.Where("healthkit.check.age", ("healthkit.check.name", "db")));
        Assert.Empty(scrape.Where("healthkit.check.status", ("healthkit.check.name", "db")));
        Assert.Equal(HealthStatus.Unhealthy, slot.Last!.Status);
    }
}
