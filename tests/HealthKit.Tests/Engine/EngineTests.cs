using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

public sealed class EngineTests
{
    private static Task<TestHost> Start(
        FakeTimeProvider? time,
        Action<IHealthChecksBuilder> checks,
        Action<HealthKitOptions>? options = null,
        TestLogSink? logs = null) =>
        TestHost.StartAsync(
            b =>
            {
                if (time is not null)
                {
                    b.Services.AddSingleton<TimeProvider>(time);
                }

                checks(b.Services.AddHealthKit(options ?? (_ => { })));
            },
            environment: "Development",
            logs: logs);

    [Fact]
    public async Task Evaluate_ThousandConcurrentRequests_RunEachCheckOnce()
    {
        // No cache: a request that arrived after the run ended would start a run of its own, so only coalescing can
        // keep the count at one. Each parked request waits on both runs with its own deadline timer, and the deadline is
        // one no other timer uses, so the gate opens only once all 1,000 requests are waiting on the runs.
        const int Requests = 1000;
        var deadline = TimeSpan.FromMilliseconds(900);
        var time = new ObservableTimeProvider();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var db = new CountingCheck { Gate = gate };
        var cache = new CountingCheck { Gate = gate };
        await using var host = await Start(
            time,
            c => c.AddCheck("db", db, tags: [HealthKitTags.Ready]).AddCheck("cache", cache, tags: [HealthKitTags.Ready]),
            o =>
            {
                o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero;
                o.Endpoints.Ready.Deadline = deadline;
            });

        var requests = Enumerable.Range(0, Requests).Select(_ => host.GetAsync("/health/ready")).ToArray();
        await Eventually.WaitUntilAsync(() => time.TimersCreatedWith(deadline) >= 2 * Requests, TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(requests, r => r.IsCompleted);
        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(200, r.StatusCode));
        Assert.Equal(1, db.Runs);
        Assert.Equal(1, cache.Runs);
        // Each request waited on both runs with its own timer. The lifecycle checks on readiness answer from memory, but a
        // request that joins one of their runs in the instant another request is running it waits on it too (seen once
        // in 25 runs of the suite), with the same deadline.
        Assert.InRange(time.TimersCreatedWith(deadline), 2 * Requests, 4 * Requests);
    }

    [Fact]
    public async Task Evaluate_RunFinishingBetweenStaleReadAndStart_IsReused_NotRunAgain()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check));
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;

        // A request finds no fresh result, and before it starts a run another request's run starts and finishes.
        var requestStart = time.GetTimestamp();
        Assert.Null(slot.TryGetFresh(requestStart));
        await slot.GetOrStartRun(requestStart, reuseFresh: false);
        var outcome = await slot.GetOrStartRun(requestStart, reuseFresh: true);

        Assert.Equal(1, check.Runs);
        Assert.Same(slot.Last, outcome);
    }

    [Fact]
    public async Task Cache_ReusesResultForTtl_ThenRunsAgain()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check), o => o.Defaults.CacheTtl = TimeSpan.FromSeconds(5));

        await host.GetAsync("/health");
        time.Advance(TimeSpan.FromSeconds(4.9));
        await host.GetAsync("/health");
        Assert.Equal(1, check.Runs);

        time.Advance(TimeSpan.FromSeconds(0.2));
        await host.GetAsync("/health");
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Cache_QueryStringHeadersAndAuthentication_DoNotBypassIt()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check));

        await host.GetAsync("/health");
        await host.GetAsync("/health?nocache=" + Guid.NewGuid());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health?x=1");
        request.Headers.Add("Cache-Control", "no-cache");
        request.Headers.Add("Authorization", "Bearer abc");
        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task Cache_FailuresUseTheirOwnTtl()
    {
        var time = new FakeTimeProvider();
        var healthy = true;
        var check = new CountingCheck(() => healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(time, c => c.AddCheck("db", check), o =>
        {
            o.Defaults.CacheTtl = TimeSpan.FromSeconds(10);
            o.Defaults.FailureCacheTtl = TimeSpan.FromSeconds(1);
        });

        healthy = false;
        await host.GetAsync("/health");
        time.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(503, (await host.GetAsync("/health")).StatusCode);
        Assert.Equal(1, check.Runs);

        healthy = true;
        time.Advance(TimeSpan.FromSeconds(0.6));
        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(5));
        await host.GetAsync("/health");
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Cache_ZeroTtlForOneCheck_RunsItEveryTime()
    {
        var time = new FakeTimeProvider();
        var fresh = new CountingCheck();
        var cached = new CountingCheck();
        await using var host = await Start(
            time,
            c => c.AddCheck("fresh", fresh).AddCheck("cached", cached).ConfigureCheck("fresh", p => p.CacheTtl = TimeSpan.Zero));

        for (var i = 0; i < 3; i++)
        {
            await host.GetAsync("/health");
        }

        Assert.Equal(3, fresh.Runs);
        Assert.Equal(1, cached.Runs);
    }

    [Fact]
    public async Task CachedEntry_KeepsItsOriginalProducedAtAndDuration()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck()));

        var first = (await host.GetAsync("/health")).Entry("db");
        time.Advance(TimeSpan.FromSeconds(1));
        var second = (await host.GetAsync("/health")).Entry("db");

        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), second.GetProperty("producedAt").GetDateTimeOffset());
        Assert.Equal(first.GetProperty("duration").GetString(), second.GetProperty("duration").GetString());
    }

    [Fact]
    public async Task Deadline_CheckIgnoringItsToken_DoesNotHoldTheEndpoint_NorPileUpRuns()
    {
        using var stuck = new StuckCheck(TimeSpan.FromSeconds(30));
        await using var host = await Start(
            time: null,
            c => c.AddCheck("stuck", stuck, tags: [HealthKitTags.Ready]),
            o =>
            {
                o.Endpoints.Ready.Deadline = TimeSpan.FromMilliseconds(300);
                o.Defaults.Timeout = TimeSpan.FromMilliseconds(250);
                o.Defaults.FailureCacheTtl = TimeSpan.Zero;
            });

        for (var i = 0; i < 5; i++)
        {
            var started = TimeProvider.System.GetTimestamp();
            var response = await host.GetAsync("/health/ready");
            var elapsed = TimeProvider.System.GetElapsedTime(started);

            Assert.Equal(503, response.StatusCode);
            Assert.StartsWith("timed out", response.Entry("stuck").GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.True(elapsed < TimeSpan.FromMilliseconds(300) + TimeSpan.FromSeconds(1), $"request {i} took {elapsed}");
        }

        Assert.Equal(1, stuck.Runs);
        Assert.Equal(1, stuck.MaxConcurrent);
    }

    [Fact]
    public async Task Deadline_AbandonedRun_ResultIsUsedWhenItFinishes()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.Add(new HealthCheckRegistration("slow", _ => new IgnoresTokenCheck(check), HealthStatus.Unhealthy, null)));

        var pending = host.GetAsync("/health");
        await Eventually.True(() => check.Runs == 1);
        time.Advance(TimeSpan.FromSeconds(1));
        var first = await pending;
        Assert.Equal("timed out", first.Entry("slow").GetProperty("description").GetString());

        check.Gate.SetResult();
        await Eventually.True(() => host.GetAsync("/health").Result.Status == "Healthy");

        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task Background_ServesLatestResult_WithZeroRunsPerRequest()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("bg", check, tags: [HealthKitTags.Ready]).ConfigureCheck("bg", p =>
        {
            p.Mode = HealthCheckMode.Background;
            p.Period = TimeSpan.FromSeconds(10);
        }));

        // The clock may only move once the runner waits for its period (10 s ± 10%); moved earlier, the wait would start
        // after the move and never end.
        await Eventually.True(() => check.Runs == 1);
        await Eventually.True(() => time.TimersCreatedWith(d => d >= TimeSpan.FromSeconds(9) && d <= TimeSpan.FromSeconds(11)) == 1);
        await Eventually.True(() => host.GetAsync("/health/ready").Result.StatusCode == 200);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        }

        Assert.Equal(1, check.Runs);
        time.Advance(TimeSpan.FromSeconds(12));
        await Eventually.True(() => check.Runs == 2);
    }

    [Fact]
    public async Task Background_BeforeFirstResult_RequestJoinsTheFirstRun()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("bg", check, tags: [HealthKitTags.Ready]).ConfigureCheck("bg", p => p.Mode = HealthCheckMode.Background));

        await Eventually.True(() => check.Runs == 1);
        var response = host.GetAsync("/health/ready");
        Assert.False(response.IsCompleted);
        check.Gate.SetResult();

        Assert.Equal(200, (await response).StatusCode);
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task Damping_FailuresBelowThreshold_AreDegraded_SuccessResets()
    {
        var time = new FakeTimeProvider();
        var healthy = false;
        var check = new CountingCheck(() => healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(time, c => c.AddCheck("db", check).ConfigureCheck("db", p =>
        {
            p.UnhealthyAfterFailures = 3;
            p.FailureCacheTtl = TimeSpan.Zero;
        }));

        var first = await host.GetAsync("/health");
        Assert.Equal("Degraded", first.Entry("db").GetProperty("status").GetString());
        Assert.Equal("failing (1 of 3): down", first.Entry("db").GetProperty("description").GetString());
        Assert.Equal(1, first.Entry("db").GetProperty("data").GetProperty("consecutiveFailures").GetInt32());
        Assert.Equal("Degraded", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        var third = await host.GetAsync("/health");
        Assert.Equal("Unhealthy", third.Entry("db").GetProperty("status").GetString());
        Assert.Equal(503, third.StatusCode);

        healthy = true;
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("Healthy", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        healthy = false;
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("Degraded", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Damping_FailureLastingLongEnough_IsUnhealthy()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck(() => HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(time, c => c.AddCheck("db", check).ConfigureCheck("db", p =>
        {
            p.UnhealthyAfterDuration = TimeSpan.FromSeconds(30);
            p.FailureCacheTtl = TimeSpan.Zero;
        }));

        Assert.Equal("Degraded", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("Degraded", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("Unhealthy", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
    }

    [Fact]
    public async Task StatusChanges_AreLoggedOnce_NotPerProbe()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var healthy = true;
        var check = new CountingCheck(() => healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(time, c => c.AddCheck("db", check, tags: [HealthKitTags.Ready]), o => o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero, logs);
        var startupEntries = logs.Entries.Count;

        for (var i = 0; i < 5; i++)
        {
            await host.GetAsync("/health/ready");
        }

        healthy = false;
        for (var i = 0; i < 5; i++)
        {
            await host.GetAsync("/health/ready");
        }

        healthy = true;
        await host.GetAsync("/health/ready");

        var checkChanges = logs.ForEvent(1, "HealthKitCheckStatusChanged").ToList();
        Assert.Equal(2, checkChanges.Count);
        Assert.Equal(LogLevel.Error, checkChanges[0].Level);
        Assert.Equal("Health check 'db' changed from Healthy to Unhealthy: down", checkChanges[0].Message);
        Assert.Equal(LogLevel.Information, checkChanges[1].Level);
        // db runs on /health too, whose status the engine keeps current as well: each endpoint logs each change once.
        var endpointChanges = logs.ForEvent(4, "HealthKitEndpointStatusChanged").ToList();
        Assert.Equal(4, endpointChanges.Count);
        Assert.Equal([LogLevel.Error, LogLevel.Information], endpointChanges.Where(e => e.Message.Contains("'Ready'", StringComparison.Ordinal)).Select(e => e.Level));
        Assert.Equal([LogLevel.Error, LogLevel.Information], endpointChanges.Where(e => e.Message.Contains("'Health'", StringComparison.Ordinal)).Select(e => e.Level));

        // Nothing else about the eleven probes is logged at Information or above: two changes, each once per check and endpoint.
        Assert.Equal(6, logs.Entries.Skip(startupEntries).Count(e => e.Level >= LogLevel.Information && e.Category.StartsWith("HealthKit", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ClientDisconnect_CancelsNothingShared_LogsNothingAboveDebug()
    {
        var logs = new TestLogSink();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", check), logs: logs);
        var startupEntries = logs.Entries.Count;

        using (var cts = new CancellationTokenSource())
        {
            var request = host.Client.GetAsync("/health", cts.Token);
            await Eventually.True(() => check.Runs == 1);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        }

        check.Gate.SetResult();
        await Eventually.True(() => host.GetAsync("/health").Result.StatusCode == 200);

        Assert.Equal(1, check.Runs);
        Assert.DoesNotContain(logs.Entries.Skip(startupEntries), e => e.Level > LogLevel.Debug && e.Category.StartsWith("HealthKit", StringComparison.Ordinal));
    }
}

