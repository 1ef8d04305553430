using HealthKit.Engine;
using HealthKit.Internal;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Listeners;
using HealthKit.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>Every endpoint's status is kept current by the engine, not worked out when a request or a scrape comes.</summary>
public sealed class EndpointStatusTests
{
    private const string Endpoint = "healthkit.endpoint.name";
    private const string Status = "healthkit.status";

    [Fact]
    public async Task OnCheckChanged_ResultThatChangesNoEndpoint_MovesAnnouncementsAndWakesTheirWaiters()
    {
        var time = new FakeTimeProvider();
        await using var host = await TestHost.StartWithChecksAsync(
            time,
            c => c.AddCheck("db", new CountingCheck(() => HealthCheckResult.Healthy()), tags: [HealthKitTags.Ready]),
            o => o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        var db = engine.Find("db")!;
        await db.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);
        var version = engine.Endpoints.Version;
        var announcements = engine.Endpoints.Announcements;
        var waiting = engine.Endpoints.WaitForAnnouncementAsync(announcements, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await db.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(engine.Endpoints.Announcements > announcements);
        Assert.Equal(version, engine.Endpoints.Version);
        Assert.True(engine.Endpoints.WaitForAnnouncementAsync(announcements, TestContext.Current.CancellationToken).IsCompleted);
    }

    [Fact]
    public async Task OnCheckChanged_ResultsPublishedWithoutAnyRequest_StatusVersionAndSignalFollow()
    {
        var time = new FakeTimeProvider();
        var result = HealthCheckResult.Healthy();
        await using var host = await TestHost.StartWithChecksAsync(
            time,
            c => c.AddCheck("db", new CountingCheck(() => result), tags: [HealthKitTags.Ready]).AddHealthStatusListener<RecordingListener>(),
            o => o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();
        var db = engine.Find("db")!;
        Assert.Null(engine.Endpoints.Get("Ready")!.Status);

        await db.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);
        var healthy = engine.Endpoints.Get("Ready")!;
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        var waiting = engine.Endpoints.WaitForChangeAsync(engine.Endpoints.Version, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(3));
        result = HealthCheckResult.Degraded("slow");
        await db.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);

        await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var degraded = engine.Endpoints.Get("Ready")!;
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.True(degraded.Version > healthy.Version);
        Assert.Equal(time.GetUtcNow(), degraded.ChangedAt);
        Assert.Equal(HealthStatus.Degraded, engine.Endpoints.Get("Health")!.Status);
        Assert.Null(engine.Endpoints.Get("Live")!.Status);
        await Eventually.True(() => recorded.Of(HealthStatusChangeKind.Endpoint).Count() == 2);
        Assert.Equal(
            [("Health", HealthStatus.Healthy, HealthStatus.Degraded), ("Ready", HealthStatus.Healthy, HealthStatus.Degraded)],
            recorded.Of(HealthStatusChangeKind.Endpoint).OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (c.Name, c.PreviousStatus!.Value, c.Status)));
    }

    [Fact]
    public async Task Drain_NothingEverProbes_ListenersLogAndGaugeHearReadinessUnhealthy()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddHealthStatusListener<RecordingListener>();
            },
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:05" },
            logs: logs);
        await using (host)
        {
            var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();
            using var meter = new MeterCapture(host.Services);
            Assert.Null(meter.Scrape().Series("healthkit.endpoint.status", (Endpoint, "ready"), (Status, "unhealthy")));

            var stop = host.App.StopAsync(TestContext.Current.CancellationToken);
            await Eventually.True(() => recorded.Of(HealthStatusChangeKind.Endpoint).Any(c => c.Name == "Ready"));

            // Still draining: no probe has come, and everything that watches readiness already knows.
            Assert.False(stop.IsCompleted);
            Assert.Equal(1, meter.Scrape().Series("healthkit.endpoint.status", (Endpoint, "ready"), (Status, "unhealthy")));
            var ready = Assert.Single(recorded.Of(HealthStatusChangeKind.Endpoint), c => c.Name == "Ready");
            Assert.Equal(HealthStatus.Unhealthy, ready.Status);
            var logged = Assert.Single(logs.ForEvent(Log.Events.EndpointStatusChanged, "HealthKitEndpointStatusChanged"), e => e.Message.Contains("'Ready'", StringComparison.Ordinal));
            Assert.Equal(LogLevel.Information, logged.Level);

            time.Advance(TimeSpan.FromSeconds(5));
            await stop;
        }
    }

    [Fact]
    public async Task StartupTaskInProgress_EndpointChangesAreInformation()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var migrations = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddStartupTask("migrations", (_, _) => migrations.Task);
            },
            logs: logs);

        Assert.Equal(503, (await host.GetAsync("/health/startup")).StatusCode);

        var changes = logs.ForEvent(Log.Events.EndpointStatusChanged, "HealthKitEndpointStatusChanged").ToList();
        Assert.Contains("Health endpoint 'Startup' changed from Unknown to Unhealthy", changes.Select(e => e.Message));
        Assert.All(changes, e => Assert.Equal(LogLevel.Information, e.Level));
        migrations.SetResult();
        await Eventually.True(async () => (await host.GetAsync("/health/startup")).StatusCode == 200);
    }

    [Fact]
    public async Task StartupTaskFailed_EndpointChangeIsError()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddStartupTask("migrations", (_, _) => throw new InvalidOperationException("the migration failed"));
            },
            logs: logs);
        await Eventually.True(() => logs.ForEvent(Log.Events.StartupTaskFailed, "HealthKitStartupTaskFailed").Any());

        Assert.Equal(503, (await host.GetAsync("/health/startup")).StatusCode);

        var startup = Assert.Single(logs.ForEvent(Log.Events.EndpointStatusChanged, "HealthKitEndpointStatusChanged"), e => e.Message.Contains("'Startup'", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Error, startup.Level);
    }
}
