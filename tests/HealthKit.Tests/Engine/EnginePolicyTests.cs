using System.Globalization;
using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>
/// How a check's policy is resolved from its override, the defaults, its registration and the endpoints' deadlines, and
/// how a misconfigured override stops startup.
/// </summary>
public sealed class EnginePolicyTests
{
    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder> checks, Action<HealthKitOptions>? options = null, TestLogSink? logs = null) =>
        TestHost.StartWithChecksAsync(time, checks, options, logs, environment: "Development");

    [Fact]
    public async Task Timeout_TheDefaultAppliesToUserChecks_LifecycleChecksKeepTheirFixedOne()
    {
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", new TimeoutEcho()), o => o.Defaults.Timeout = TimeSpan.FromMilliseconds(300));

        var response = await host.GetAsync("/health");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("timeout 300 ms", response.Description("db"));

        // A lifecycle check answers from memory: its timeout is 700 ms whatever the defaults say, and it is slow at half that.
        var self = host.Services.GetRequiredService<HealthEngine>().Find("self")!.Policy;
        Assert.Equal(TimeSpan.FromMilliseconds(700), self.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(350), self.SlowThreshold);
    }

    [Fact]
    public async Task Timeout_TheRegistrationsOwn_IsUsed_AndAnOverrideWinsOverIt()
    {
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.AddCheck("registered", new TimeoutEcho(), timeout: TimeSpan.FromMilliseconds(250))
                .AddCheck("overridden", new TimeoutEcho(), timeout: TimeSpan.FromMilliseconds(250))
                .AddCheck("plain", new TimeoutEcho())
                .ConfigureCheck("overridden", p => p.Timeout = TimeSpan.FromMilliseconds(400)),
            o => o.Defaults.Timeout = TimeSpan.FromMilliseconds(600));

        var response = await host.GetAsync("/health");

        Assert.Equal("timeout 250 ms", response.Description("registered"));
        Assert.Equal("timeout 400 ms", response.Description("overridden"));
        Assert.Equal("timeout 600 ms", response.Description("plain"));
    }

    [Fact]
    public void Registration_TimeoutIsPositiveOrInfinite_NeverZero()
    {
        // ResolvePolicy relies on this: a registration's timeout is either its own (positive) or InfiniteTimeSpan.
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthCheckRegistration("db", new TimeoutEcho(), null, null, TimeSpan.Zero));
        Assert.Equal(Timeout.InfiniteTimeSpan, new HealthCheckRegistration("db", new TimeoutEcho(), null, null).Timeout);
    }

    [Fact]
    public async Task Timeout_IsCappedByTheDeadlineOfTheUntaggedEndpoint_ThatRunsEveryCheck()
    {
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.AddCheck("db", new TimeoutEcho(), tags: [HealthKitTags.Ready]),
            o => o.Endpoints.Health.Deadline = TimeSpan.FromMilliseconds(300));

        Assert.Equal("timeout 300 ms", (await host.GetAsync("/health")).Description("db"));
    }

    [Fact]
    public async Task Timeout_IsCappedOnlyByTheDeadlinesOfEndpointsThatRunTheCheck()
    {
        // Liveness answers within 200 ms, but it runs only the checks tagged live: a readiness check keeps its 600 ms.
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.AddCheck("db", new TimeoutEcho(), tags: [HealthKitTags.Ready])
                .AddCheck("heartbeat", new TimeoutEcho(), tags: [HealthKitTags.Live]),
            o =>
            {
                o.Defaults.Timeout = TimeSpan.FromMilliseconds(600);
                o.Endpoints.Live.Deadline = TimeSpan.FromMilliseconds(200);
            });

        var response = await host.GetAsync("/health");

        Assert.Equal("timeout 600 ms", response.Description("db"));
        Assert.Equal("timeout 200 ms", response.Description("heartbeat"));

        // The same for the lifecycle checks: self is on liveness, startup (always on startup and readiness) is not.
        var engine = host.Services.GetRequiredService<HealthEngine>();
        Assert.Equal(TimeSpan.FromMilliseconds(200), engine.Find("self")!.Policy.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(700), engine.Find("startup")!.Policy.Timeout);
    }

    [Fact]
    public async Task SlowThreshold_TheDefaultAppliesToUserChecks()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("db", check), o => o.Defaults.SlowThreshold = TimeSpan.FromMilliseconds(100), logs);

        var waiting = host.GetAsync("/health/checks/db");
        await Eventually.True(() => check.Runs == 1);
        time.Advance(TimeSpan.FromMilliseconds(150));
        check.Gate.SetResult();
        Assert.Equal(200, (await waiting).StatusCode);

        var slow = Assert.Single(logs.ForEvent(30, "HealthKitCheckSlow"));
        Assert.Equal("Health check 'db' took 150 ms, at or above its slow threshold of 100 ms", slow.Message);
    }

    [Fact]
    public async Task Damping_AfterOneFailure_IsNoDamping()
    {
        var check = new CountingCheck(() => HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", check).ConfigureCheck("db", p => p.UnhealthyAfterFailures = 1));

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("Unhealthy", response.Entry("db").GetProperty("status").GetString());
        Assert.Equal("down", response.Description("db"));
        Assert.False(response.Entry("db").TryGetProperty("data", out var data) && data.TryGetProperty("consecutiveFailures", out _));
    }

    [Fact]
    public async Task Damping_FailuresFromTheDefaults_AndAPerCheckCountWinsOverIt()
    {
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.AddCheck("db", new CountingCheck(() => HealthCheckResult.Unhealthy("down")))
                .AddCheck("cache", new CountingCheck(() => HealthCheckResult.Unhealthy("down")))
                .ConfigureCheck("cache", p => p.UnhealthyAfterFailures = 1),
            o => o.Defaults.UnhealthyAfterFailures = 3);

        var response = await host.GetAsync("/health");

        // db takes the defaults' three failures, so one is Degraded; cache's own count of one makes it Unhealthy at once.
        Assert.Equal("Degraded", response.Entry("db").GetProperty("status").GetString());
        Assert.Equal("failing (1 of 3): down", response.Description("db"));
        Assert.Equal("Unhealthy", response.Entry("cache").GetProperty("status").GetString());
        Assert.Equal("down", response.Description("cache"));
        Assert.Equal(503, response.StatusCode);
    }

    [Fact]
    public async Task Damping_DurationFromTheDefaults_AndAPerCheckDurationWinsOverIt()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(
            time,
            c => c.AddCheck("db", new CountingCheck(() => HealthCheckResult.Unhealthy("down")))
                .AddCheck("cache", new CountingCheck(() => HealthCheckResult.Unhealthy("down")))
                .ConfigureCheck("cache", p => p.UnhealthyAfterDuration = TimeSpan.FromSeconds(30)),
            o =>
            {
                o.Defaults.UnhealthyAfterDuration = TimeSpan.FromSeconds(10);
                o.Defaults.FailureCacheTtl = TimeSpan.Zero;
            });

        var first = await host.GetAsync("/health");
        Assert.Equal("failing (1): down", first.Description("db"));
        Assert.Equal("failing (1): down", first.Description("cache"));

        time.Advance(TimeSpan.FromSeconds(20));
        var second = await host.GetAsync("/health");
        Assert.Equal("Unhealthy", second.Entry("db").GetProperty("status").GetString());
        Assert.Equal("down", second.Description("db"));
        Assert.Equal("Degraded", second.Entry("cache").GetProperty("status").GetString());
        Assert.Equal("failing (2): down", second.Description("cache"));
    }

    [Fact]
    public async Task Background_ModeFromTheDefaults_ServesTheLatestResultPastItsCacheTtl_WithoutARun()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check), o =>
        {
            o.Defaults.Mode = HealthCheckMode.Background;
            o.Defaults.Period = TimeSpan.FromSeconds(10);
        });

        // The runner runs the check at startup, then waits for its period (10 s ± 10%).
        await Eventually.True(() => check.Runs == 1);
        await Eventually.True(() => time.TimersCreatedWith(d => d >= TimeSpan.FromSeconds(9) && d <= TimeSpan.FromSeconds(11)) == 1);

        // Well past the 2 s cache TTL, still before the next background run: the latest result, however old.
        time.Advance(TimeSpan.FromSeconds(5));
        var response = await host.GetAsync("/health");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("counted", response.Description("db"));
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task Background_PeriodOfTheRegistration_IsUsedWhenNoSettingSetsOne()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c
            .Add(new HealthCheckRegistration("bg", check, null, null) { Period = TimeSpan.FromSeconds(10) })
            .ConfigureCheck("bg", p => p.Mode = HealthCheckMode.Background));

        await Eventually.True(() => check.Runs == 1);
        await Eventually.True(() => time.TimersCreatedWith(d => d >= TimeSpan.FromSeconds(9) && d <= TimeSpan.FromSeconds(11)) == 1);
        time.Advance(TimeSpan.FromSeconds(11));
        await Eventually.True(() => check.Runs == 2);
    }

    [Fact]
    public async Task Override_OfAnUnregisteredCheck_StopsStartup_ListingTheRegisteredChecksInOrder()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Start(
            new FakeTimeProvider(),
            c => c.AddCheck("b", new CountingCheck()).AddCheck("A", new CountingCheck()).AddCheck("c", new CountingCheck()),
            o => o.Checks["nope"] = new HealthCheckPolicy { CacheTtl = TimeSpan.FromSeconds(5) }));

        Assert.Equal(
            "The configuration key 'HealthKit:Checks:nope' names no registered health check. Registered checks: A, availability, b, c, self, startup.",
            error.Message);
    }

    [Fact]
    public async Task Override_OfOneLifecycleSetting_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Start(
            new FakeTimeProvider(),
            _ => { },
            o => o.Checks["availability"] = new HealthCheckPolicy { UnhealthyAfterFailures = 3 }));

        Assert.Equal(
            "The configuration key 'HealthKit:Checks:availability:UnhealthyAfterFailures' cannot be set: 'availability' is a lifecycle check whose policy is fixed (run on every request that finds the application's state changed, never cached across a change, never damped, never in Background mode, never disabled or non-critical), so that readiness fails at the first probe after shutdown begins whatever the defaults say. Remove the key.",
            error.Message);
    }

    [Fact]
    public async Task Override_OfTwoLifecycleSettings_StopsStartup_NamingBothKeys()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Start(
            new FakeTimeProvider(),
            _ => { },
            o => o.Checks["self"] = new HealthCheckPolicy { Timeout = TimeSpan.FromMilliseconds(100), Critical = false }));

        Assert.Equal(
            "The configuration keys 'HealthKit:Checks:self:Timeout', 'HealthKit:Checks:self:Critical' cannot be set: 'self' is a lifecycle check whose policy is fixed (run on every request that finds the application's state changed, never cached across a change, never damped, never in Background mode, never disabled or non-critical), so that readiness fails at the first probe after shutdown begins whatever the defaults say. Remove the keys.",
            error.Message);
    }

    /// <summary>Reports the timeout it was told through its context, as a driver with its own timeouts reads it.</summary>
    private sealed class TimeoutEcho : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"timeout {context.Registration.Timeout.TotalMilliseconds} ms")));
    }
}
