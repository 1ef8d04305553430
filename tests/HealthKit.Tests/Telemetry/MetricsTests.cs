using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Telemetry;

/// <summary>HealthKit's meter seen through a <see cref="System.Diagnostics.Metrics.MeterListener"/>.</summary>
public sealed class MetricsTests
{
    private const string Name = "healthkit.check.name";
    private const string Status = "healthkit.status";
    private const string Outcome = "healthkit.check.outcome";
    private const string Endpoint = "healthkit.endpoint.name";

    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder> checks, Action<HealthKitOptions>? options = null, TestLogSink? logs = null) =>
        TestHost.StartWithChecksAsync(time, checks, options, logs);

    [Fact]
    public async Task Meter_ComesFromTheAppsMeterFactory_VersionedAsTheLibrary()
    {
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", () => HealthCheckResult.Healthy()));
        var factory = host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var versions = new List<string?>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == HealthKitTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                lock (versions)
                {
                    versions.Add(instrument.Meter.Version);
                }
            }
        };
        listener.Start();

        Assert.NotEmpty(versions);
        var expected = typeof(HealthKitOptions).Assembly.GetName().Version!.ToString();
        Assert.All(versions, version => Assert.Equal(expected, version));
    }

    [Fact]
    public async Task CheckStatus_StatusChanges_OneForTheCurrentStatus_ZeroForEarlierOnes()
    {
        var time = new FakeTimeProvider();
        var status = HealthStatus.Healthy;
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck(() => new HealthCheckResult(status)), tags: [HealthKitTags.Ready]));
        using var meter = new MeterCapture(host.Services);

        await host.GetAsync("/health/ready");
        var healthy = meter.Scrape();
        Assert.Equal(1, healthy.Series("healthkit.check.status", (Name, "db"), (Status, "healthy")));
        Assert.Null(healthy.Series("healthkit.check.status", (Name, "db"), (Status, "unhealthy")));
        Assert.Equal(1, healthy.Series("healthkit.endpoint.status", (Endpoint, "ready"), (Status, "healthy")));

        status = HealthStatus.Unhealthy;
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        var unhealthy = meter.Scrape();
        Assert.Equal(1, unhealthy.Series("healthkit.check.status", (Name, "db"), (Status, "unhealthy")));
        Assert.Equal(0, unhealthy.Series("healthkit.check.status", (Name, "db"), (Status, "healthy")));
        Assert.Null(unhealthy.Series("healthkit.check.status", (Name, "db"), (Status, "degraded")));
        Assert.Equal(1, unhealthy.Series("healthkit.endpoint.status", (Endpoint, "ready"), (Status, "unhealthy")));
        Assert.Equal(0, unhealthy.Series("healthkit.endpoint.status", (Endpoint, "ready"), (Status, "healthy")));

        // /health runs the same check, and others that have never run; its status comes from the results there are.
        Assert.Equal(1, unhealthy.Series("healthkit.endpoint.status", (Endpoint, "health"), (Status, "unhealthy")));
    }

    [Fact]
    public async Task Transitions_CountEveryStatusChange_ByTheStatusChangedTo_EvenWithNoScrapeBetween()
    {
        var time = new FakeTimeProvider();
        var status = HealthStatus.Healthy;
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck(() => new HealthCheckResult(status)), tags: [HealthKitTags.Ready]));
        using var meter = new MeterCapture(host.Services);

        // A first Healthy result is not a change; then Unhealthy, Healthy, Unhealthy, Degraded, with one repeat that is no change.
        foreach (var next in new[] { HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Unhealthy, HealthStatus.Degraded })
        {
            status = next;
            time.Advance(TimeSpan.FromSeconds(3));
            await host.GetAsync("/health/ready");
        }

        var transitions = meter.Recorded.Where("healthkit.check.transitions", (Name, "db"));
        Assert.Equal(4, transitions.Sum(r => r.Value));
        Assert.Equal(2, transitions.Where(r => r.Has((Status, "unhealthy"))).Sum(r => r.Value));
        Assert.Equal(1, transitions.Where(r => r.Has((Status, "healthy"))).Sum(r => r.Value));
        Assert.Equal(1, transitions.Where(r => r.Has((Status, "degraded"))).Sum(r => r.Value));
    }

    [Fact]
    public async Task Flaps_CountTheChangesInTheHistoryWindow_AndDropThemAfterIt()
    {
        var time = new FakeTimeProvider();
        var status = HealthStatus.Healthy;
        await using var host = await Start(
            time,
            c => c.AddCheck("db", new CountingCheck(() => new HealthCheckResult(status)), tags: [HealthKitTags.Ready]).AddCheck("steady", () => HealthCheckResult.Healthy()),
            o => o.History.Window = TimeSpan.FromMinutes(1));
        using var meter = new MeterCapture(host.Services);

        // A first Healthy result is not a change; then three changes and one repeat.
        foreach (var next in new[] { HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Healthy, HealthStatus.Healthy, HealthStatus.Degraded })
        {
            status = next;
            time.Advance(TimeSpan.FromSeconds(3));
            await host.GetAsync("/health");
        }

        var scrape = meter.Scrape();
        Assert.Equal(3, scrape.Series("healthkit.check.flaps", (Name, "db")));
        Assert.Null(scrape.Series("healthkit.check.flaps", (Name, "steady")));

        // The first change (to Unhealthy) came at 6 s and the others at 9 s and 15 s: at 67 s only the first is over a minute old.
        time.Advance(TimeSpan.FromSeconds(52));
        Assert.Equal(2, meter.Scrape().Series("healthkit.check.flaps", (Name, "db")));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, meter.Scrape().Series("healthkit.check.flaps", (Name, "db")));
    }

    [Fact]
    public async Task SlowThreshold_IsReportedPerCheck_FromTheDefaultsAndTheCheckOwn()
    {
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.AddCheck("db", () => HealthCheckResult.Healthy()).AddCheck("cache", () => HealthCheckResult.Healthy()),
            o => o.Checks["cache"] = new HealthCheckPolicy { SlowThreshold = TimeSpan.FromMilliseconds(120) });
        using var meter = new MeterCapture(host.Services);

        var scrape = meter.Scrape();
        Assert.Equal(0.35, scrape.Series("healthkit.check.slow_threshold", (Name, "db")));
        Assert.Equal(0.12, scrape.Series("healthkit.check.slow_threshold", (Name, "cache")));
    }

    [Fact]
    public async Task MaxAge_IsReportedForChecksThatHaveOne_AndForNoOther()
    {
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.AddCheck("db", () => HealthCheckResult.Healthy()).AddCheck("queue", () => HealthCheckResult.Healthy()),
            o => o.Checks["queue"] = new HealthCheckPolicy { MaxAge = TimeSpan.FromSeconds(90) });
        using var meter = new MeterCapture(host.Services);

        var scrape = meter.Scrape();
        Assert.Equal(90, scrape.Series("healthkit.check.max_age", (Name, "queue")));
        Assert.Empty(scrape.Where("healthkit.check.max_age", (Name, "db")));
        Assert.Empty(scrape.Where("healthkit.check.max_age", (Name, "self")));
    }

    [Fact]
    public async Task Scrape_NothingProbed_RunsNoCheck_AndReportsNoSeriesForIt()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check));
        using var meter = new MeterCapture(host.Services);

        for (var i = 0; i < 5; i++)
        {
            var scrape = meter.Scrape();
            Assert.Empty(scrape.Where("healthkit.check.status", (Name, "db")));
            Assert.Empty(scrape.Where("healthkit.check.age", (Name, "db")));
        }

        Assert.Equal(0, check.Runs);
        Assert.Empty(meter.Recorded.Where("healthkit.check.runs"));
    }

    [Fact]
    public async Task CheckAge_GrowsWithTime_AndNoScrapeRefreshesIt()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check));
        using var meter = new MeterCapture(host.Services);

        await host.GetAsync("/health/checks/db");
        Assert.Equal(0, meter.Scrape().Series("healthkit.check.age", (Name, "db")));

        time.Advance(TimeSpan.FromSeconds(42));
        Assert.Equal(42, meter.Scrape().Series("healthkit.check.age", (Name, "db")));
        Assert.Equal(42, meter.Scrape().Series("healthkit.check.age", (Name, "db")));
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task EndpointStatus_ResultsFromRunsNoRequestMade_AreReported()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, c => c
            .AddCheck("db", new CountingCheck(() => HealthCheckResult.Degraded("slow")), tags: [HealthKitTags.Ready])
            .AddCheck("cache", new CountingCheck(), tags: [HealthKitTags.Ready]));
        using var meter = new MeterCapture(host.Services);
        var engine = host.Services.GetRequiredService<HealthEngine>();

        // Runs as the background runner starts them, with no request to any endpoint.
        foreach (var slot in engine.Slots)
        {
            await slot.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);
        }

        var scrape = meter.Scrape();
        Assert.Equal(1, scrape.Series("healthkit.endpoint.status", (Endpoint, "ready"), (Status, "degraded")));
        Assert.Equal(1, scrape.Series("healthkit.endpoint.status", (Endpoint, "live"), (Status, "healthy")));
        Assert.Equal(1, scrape.Series("healthkit.check.status", (Name, "cache"), (Status, "healthy")));
    }

    [Fact]
    public async Task Runs_EachOutcome_CountedOncePerRun_WithDurationInSeconds()
    {
        var time = new FakeTimeProvider();
        var slow = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var hung = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c
            .AddCheck("ok", new CountingCheck(() => HealthCheckResult.Degraded("meh")))
            .AddCheck("boom", new ThrowingCheck(new InvalidOperationException("no")))
            .AddCheck("slow", slow)
            .AddCheck("hung", new IgnoresTokenCheck(hung)));
        using var meter = new MeterCapture(host.Services);

        await host.GetAsync("/health/checks/ok");
        await host.GetAsync("/health/checks/ok");
        await host.GetAsync("/health/checks/boom");

        // A run that reaches its 700 ms timeout: the check honours its token, the run is counted once, as timed out.
        var waiting = host.GetAsync("/health/checks/slow");
        await Eventually.True(() => slow.Runs == 1);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(503, (await waiting).StatusCode);

        // A check that ignores its token is left running at its timeout; the next request starts no second run.
        waiting = host.GetAsync("/health/checks/hung");
        await Eventually.True(() => hung.Runs == 1);
        time.Advance(TimeSpan.FromMilliseconds(700));
        await waiting;
        time.Advance(TimeSpan.FromSeconds(2));
        await host.GetAsync("/health/checks/hung");
        Assert.Equal(1, hung.Runs);

        var runs = meter.Recorded.Where("healthkit.check.runs");
        Assert.Equal(
            ["boom:threw", "hung:abandoned", "hung:timed_out", "ok:degraded", "slow:timed_out"],
            runs.Select(r => $"{r.Tags[Name]}:{r.Tags[Outcome]}").Distinct().Order(StringComparer.Ordinal));
        Assert.Single(runs.Where("healthkit.check.runs", (Name, "ok")));
        Assert.Single(runs.Where("healthkit.check.runs", (Name, "slow")));
        Assert.All(runs, r => Assert.Equal(1, r.Value));

        var durations = meter.Recorded.Where("healthkit.check.duration");
        Assert.Equal(0.7, durations.Series("healthkit.check.duration", (Name, "slow"), (Outcome, "timed_out")));
        Assert.Equal(0.7, durations.Series("healthkit.check.duration", (Name, "hung"), (Outcome, "timed_out")));

        // A refused run took no time of its own; it has no duration.
        Assert.Empty(durations.Where("healthkit.check.duration", (Outcome, "abandoned")));
        hung.Gate.SetResult();
        slow.Gate.TrySetResult();
    }

    [Fact]
    public async Task Requests_CachedAndJoined_AreCountedPerCheck()
    {
        var time = new FakeTimeProvider();
        var db = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("db", db));
        using var meter = new MeterCapture(host.Services);

        var first = host.GetAsync("/health/checks/db");
        await Eventually.True(() => db.Runs == 1);
        var joining = Enumerable.Range(0, 9).Select(_ => host.GetAsync("/health/checks/db")).ToArray();
        await Eventually.True(() => meter.Scrape().Series("healthkit.check.joined", (Name, "db")) == 9);
        db.Gate.SetResult();
        await first;
        await Task.WhenAll(joining);

        for (var i = 0; i < 4; i++)
        {
            await host.GetAsync("/health/checks/db");
        }

        var scrape = meter.Scrape();
        Assert.Equal(9, scrape.Series("healthkit.check.joined", (Name, "db")));
        Assert.Equal(4, scrape.Series("healthkit.check.cached", (Name, "db")));
        Assert.Equal(1, db.Runs);
    }

    [Fact]
    public async Task Scrape_TwentyChecks_AllocatesUnderFiveKilobytes()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, c =>
        {
            for (var i = 0; i < 20; i++)
            {
                c.AddCheck($"check-{i:00}", new CountingCheck());
            }
        });
        var engine = host.Services.GetRequiredService<HealthEngine>();

        // Every check has a result, and every check has answered a request from its cache.
        await host.GetAsync("/health");
        await host.GetAsync("/health");

        using var listener = new System.Diagnostics.Metrics.MeterListener();
        var measurements = 0;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == HealthKitTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, _, _, _) => measurements++);
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => measurements++);
        listener.SetMeasurementEventCallback<double>((_, _, _, _) => measurements++);
        listener.Start();
        listener.RecordObservableInstruments();

        measurements = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        listener.RecordObservableInstruments();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // 23 checks (20 and the three built-in ones): status, age, slow threshold and cached each (none joined a run); four
        // endpoints; the check threads' busy, waiting and saturations.
        Assert.Equal((23 * 4) + 4 + 3, measurements);
        Assert.True(allocated < 5120, $"a scrape allocated {allocated} bytes");
        Assert.All(engine.Slots, slot => Assert.NotNull(slot.Last));
    }
}
