using System.Diagnostics;
using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>The engine at its edges: exact TTL and damping boundaries, abandoned runs, reloads that wake background loops, and the run's span.</summary>
public sealed class EngineEdgeTests
{
    private const string Runs = "healthkit.check.runs";

    private static Task<TestHost> Start(
        FakeTimeProvider time,
        Action<IHealthChecksBuilder> checks,
        Action<HealthKitOptions>? options = null,
        TestLogSink? logs = null,
        Dictionary<string, string?>? configuration = null) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                checks(b.Services.AddHealthKit(o =>
                {
                    o.Endpoints.Health.DetailLevel = HealthDetailLevel.Full;
                    options?.Invoke(o);
                }));
            },
            configuration: configuration,
            logs: logs);

    private static void Edit(TestHost host, string key, string value)
    {
        var configuration = (IConfigurationRoot)host.App.Configuration;
        configuration[key] = value;
        configuration.Reload();
    }

    [Fact]
    public async Task Tags_InAFullEntry_AreSortedIgnoringCase()
    {
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", new CountingCheck(), tags: ["zeta", "Alpha", "beta"]));

        var tags = (await host.GetAsync("/health")).Entry("db").GetProperty("tags").EnumerateArray().Select(t => t.GetString());

        Assert.Equal(["Alpha", "beta", "zeta"], tags);
    }

    [Fact]
    public async Task SetPolicy_OfALifecycleCheck_Throws_NamingTheCheck()
    {
        await using var host = await Start(new FakeTimeProvider(), _ => { });
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("availability")!;

        var error = Assert.Throws<InvalidOperationException>(() => slot.SetPolicy(slot.Policy));

        Assert.Equal("The policy of the lifecycle check 'availability' is fixed.", error.Message);
    }

    [Fact]
    public async Task Context_CarriesTheRegistrationsDelayAndPeriod()
    {
        await using var host = await Start(new FakeTimeProvider(), c => c.Add(
            new HealthCheckRegistration("ctx", _ => new ContextCheck(), HealthStatus.Unhealthy, null)
            {
                Delay = TimeSpan.FromSeconds(7),
                Period = TimeSpan.FromMinutes(2),
            }));

        Assert.Equal("delay 00:00:07, period 00:02:00", (await host.GetAsync("/health")).Entry("ctx").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Cache_ResultExactlyTtlOld_IsStale()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check), o => o.Defaults.CacheTtl = TimeSpan.FromSeconds(5));

        await host.GetAsync("/health");
        time.Advance(TimeSpan.FromSeconds(5));
        await host.GetAsync("/health");

        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Cache_ZeroTtl_ResultNewerThanTheRequest_IsNotReused()
    {
        // A request that began before another request's run finished must still not reuse it when nothing may be cached.
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check), o => o.Defaults.CacheTtl = TimeSpan.Zero);
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;

        var requestStart = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(300));
        await slot.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);
        var outcome = await slot.GetOrStartRun(requestStart, reuseFresh: true);

        Assert.Equal(2, check.Runs);
        Assert.Equal("counted", outcome.Description);
    }

    [Fact]
    public async Task Run_StartedPastItsTimeout_EndsTimedOutAtOnce()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("db", new IgnoresTokenCheck(check)));
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;

        var started = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(5));
        var outcome = await slot.GetOrStartRun(started, reuseFresh: false).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal("timed out", outcome.Description);
        Assert.Equal(HealthStatus.Unhealthy, outcome.Status);
        check.Gate.SetResult();
    }

    [Fact]
    public async Task AbandonedRun_RefusesNewRunsUntilItReturns_LogsEachTimeout_ThenRunsAgain()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(
            time,
            c => c.AddCheck("slow", new IgnoresTokenCheck(check)),
            o => o.Defaults.FailureCacheTtl = TimeSpan.Zero,
            logs);
        using var meter = new MeterCapture(host.Services);
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("slow")!;

        var pending = host.GetAsync("/health");
        await Eventually.True(() => check.Runs == 1);
        Assert.Equal((true, false), slot.RunState);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal("timed out", (await pending).Entry("slow").GetProperty("description").GetString());
        Assert.Equal((false, true), slot.RunState);

        time.Advance(TimeSpan.FromMilliseconds(800));
        var refused = await host.GetAsync("/health");
        Assert.Equal("timed out (the previous run has not returned after 1.5 s)", refused.Entry("slow").GetProperty("description").GetString());
        Assert.Equal(1, check.Runs);
        Assert.Equal(
            ["Health check 'slow' timed out after 700 ms", "Health check 'slow' timed out after 1500 ms"],
            logs.ForEvent(3, "HealthKitCheckTimedOut").Select(e => e.Message));

        // The late result is published; the abandoned run no longer blocks the next one.
        check.Gate.SetResult();
        await Eventually.True(() => slot.Last?.Description == "counted" && slot.RunState == (false, false));
        time.Advance(TimeSpan.FromSeconds(5));
        var next = await host.GetAsync("/health");

        Assert.Equal("counted", next.Entry("slow").GetProperty("description").GetString());
        Assert.Equal(2, check.Runs);
        var outcomes = meter.Recorded.Where(Runs, ("healthkit.check.name", "slow")).Select(r => r.Tags["healthkit.check.outcome"]);
        Assert.Equal(["timed_out", "abandoned", "healthy"], outcomes);
    }

    [Fact]
    public async Task Run_CheckWhoseExceptionCannotBeRead_IsAFailureThatThrew()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        await using var host = await Start(
            time,
            c => c.AddCheck("db", new ThrowingCheck(new BrokenMessageException())),
            o => o.IncludeExceptionDetails = true,
            logs);
        using var meter = new MeterCapture(host.Services);

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("check threw BrokenMessageException", response.Entry("db").GetProperty("description").GetString());
        Assert.Equal("(the message could not be read: InvalidOperationException)", response.Entry("db").GetProperty("exception").GetString());
        Assert.Equal("threw", Assert.Single(meter.Recorded.Where(Runs, ("healthkit.check.name", "db"))).Tags["healthkit.check.outcome"]);
        Assert.Empty(logs.ForEvent(3, "HealthKitCheckTimedOut"));
    }

    [Fact]
    public async Task Damping_ByDuration_CountsFromTheFirstFailureAfterHealthy_AndEndsExactlyAtTheWindow()
    {
        var time = new FakeTimeProvider();
        var healthy = true;
        var check = new CountingCheck(() => healthy ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down"));
        await using var host = await Start(time, c => c.AddCheck("db", check).ConfigureCheck("db", p =>
        {
            p.UnhealthyAfterDuration = TimeSpan.FromSeconds(30);
            p.CacheTtl = TimeSpan.Zero;
            p.FailureCacheTtl = TimeSpan.Zero;
        }));

        Assert.Equal("Healthy", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        time.Advance(TimeSpan.FromMinutes(5));
        healthy = false;
        var first = (await host.GetAsync("/health")).Entry("db");
        Assert.Equal("Degraded", first.GetProperty("status").GetString());
        Assert.Equal("failing (1): down", first.GetProperty("description").GetString());

        time.Advance(TimeSpan.FromSeconds(30));
        var last = (await host.GetAsync("/health")).Entry("db");
        Assert.Equal("Unhealthy", last.GetProperty("status").GetString());
        Assert.Equal("down", last.GetProperty("description").GetString());
        Assert.Equal(2, last.GetProperty("data").GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task Damping_ZeroDurationWindow_DampsByCountOnly()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck(() => HealthCheckResult.Unhealthy("down"))));
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;
        slot.SetPolicy(slot.Policy with { UnhealthyAfterFailures = 3, UnhealthyAfterDuration = TimeSpan.Zero });

        var outcome = await slot.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);

        Assert.Equal(HealthStatus.Degraded, outcome.Status);
        Assert.Equal("failing (1 of 3): down", outcome.Description);
    }

    [Fact]
    public async Task RunSpan_IsNotLeftCurrentForTheCaller()
    {
        using var listener = Listen("eng2-current", out _);
        var time = new FakeTimeProvider();
        await using var host = await Start(time, c => c.AddCheck("eng2-current", new CountingCheck()));
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("eng2-current")!;
        Activity.Current = null;

        var run = slot.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);

        Assert.Null(Activity.Current);
        await run;
    }

    [Fact]
    public async Task RunSpan_CancelledWhenTheEngineStops_IsTimedOut()
    {
        using var listener = Listen("eng2-stop", out var stopped);
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var host = await Start(time, c => c.AddCheck("eng2-stop", check));
        await using (host)
        {
            var slot = host.Services.GetRequiredService<HealthEngine>().Find("eng2-stop")!;
            _ = slot.GetOrStartRun(time.GetTimestamp(), reuseFresh: false);
            await Eventually.True(() => check.Runs == 1);
        }

        await Eventually.True(() => !stopped.IsEmpty);
        var span = Assert.Single(stopped);
        Assert.Equal("timed_out", span.GetTagItem("healthkit.check.outcome"));
        Assert.Equal(true, span.GetTagItem("healthkit.check.timed_out"));
    }

    [Fact]
    public async Task Background_ReloadWhileWaiting_NeitherRunsNorStartsASecondLoop()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(
            time,
            c => c.AddCheck("bg", check),
            configuration: new() { ["HealthKit:Checks:bg:Mode"] = "Background", ["HealthKit:Checks:bg:Period"] = "00:00:10" });
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("bg")!;
        static bool InPeriod(TimeSpan d) => d >= TimeSpan.FromSeconds(9) && d <= TimeSpan.FromSeconds(11);
        await Eventually.True(() => check.Runs == 1);
        await Eventually.True(() => time.TimersCreatedWith(InPeriod) == 1);
        check.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        Edit(host, "HealthKit:Checks:bg:Timeout", "00:00:00.600");

        Assert.Equal((false, false), slot.RunState);
        await Eventually.True(() => time.TimersCreatedWith(InPeriod) == 2);
        Assert.Equal((false, false), slot.RunState);
        Assert.Equal(1, check.Runs);
        check.Gate.SetResult();
    }

    [Fact]
    public async Task Background_DisabledCheckEnabledAgain_RunsAtOnce()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(
            time,
            c => c.AddCheck("bg", check),
            configuration: new() { ["HealthKit:Checks:bg:Mode"] = "Background", ["HealthKit:Checks:bg:Period"] = "00:00:10", ["HealthKit:Checks:bg:Enabled"] = "false" });
        await Eventually.True(() => time.TimersCreatedWith(d => d >= TimeSpan.FromSeconds(9) && d <= TimeSpan.FromSeconds(11)) == 1);
        Assert.Equal(0, check.Runs);

        Edit(host, "HealthKit:Checks:bg:Enabled", "true");

        await Eventually.True(() => check.Runs == 1);
    }

    [Fact]
    public void NextDelay_BeyondWhatATimerCanWait_IsHeldAtMaxWait()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(4_294_967_293), BackgroundCheckRunner.NextDelay(TimeSpan.FromDays(100)));

        // A real timer accepts it.
        using var timer = TimeProvider.System.CreateTimer(static _ => { }, null, BackgroundCheckRunner.MaxWait, Timeout.InfiniteTimeSpan);
    }

    [Fact]
    public void NextDelay_ZeroPeriod_IsOneMillisecond() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1), BackgroundCheckRunner.NextDelay(TimeSpan.Zero));

    private static ActivityListener Listen(string check, out System.Collections.Concurrent.ConcurrentQueue<Activity> stopped)
    {
        var queue = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HealthKitTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (Equals(activity.GetTagItem("healthkit.check.name"), check))
                {
                    queue.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        stopped = queue;
        return listener;
    }

    private sealed class ContextCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy($"delay {context.Registration.Delay:c}, period {context.Registration.Period:c}"));
    }

    private sealed class BrokenMessageException : Exception
    {
        public override string Message => throw new InvalidOperationException("message unavailable");
    }
}
