using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Telemetry;

/// <summary>A run at or above its check's slow threshold logs one Warning naming the check and its duration.</summary>
public sealed class SlowCheckTests
{
    private const int SlowEvent = 30;
    private const string SlowEventName = "HealthKitCheckSlow";

    private static Task<TestHost> Start(FakeTimeProvider time, CountingCheck check, TestLogSink logs, IDictionary<string, string?>? configuration = null) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddCheck("db", check);
            },
            configuration: configuration,
            logs: logs);

    /// <summary>Answers a request whose run takes <paramref name="duration"/> of fake time.</summary>
    private static async Task RunTakingAsync(TestHost host, FakeTimeProvider time, CountingCheck check, TimeSpan duration)
    {
        var runs = check.Runs;
        check.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = host.GetAsync("/health/checks/db");
        await Eventually.True(() => check.Runs == runs + 1);
        time.Advance(duration);
        check.Gate.SetResult();
        await waiting;
    }

    [Fact]
    public async Task SlowRun_DefaultThreshold_HalfTheTimeout_LogsOneWarning()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        var logs = new TestLogSink();
        await using var host = await Start(time, check, logs);
        Assert.Equal(TimeSpan.FromMilliseconds(350), host.Services.GetRequiredService<HealthEngine>().Find("db")!.Policy.SlowThreshold);

        await RunTakingAsync(host, time, check, TimeSpan.FromMilliseconds(349));
        Assert.Empty(logs.ForEvent(SlowEvent, SlowEventName));

        time.Advance(TimeSpan.FromSeconds(3));
        await RunTakingAsync(host, time, check, TimeSpan.FromMilliseconds(400));

        var slow = Assert.Single(logs.ForEvent(SlowEvent, SlowEventName));
        Assert.Equal(LogLevel.Warning, slow.Level);
        Assert.Equal("Health check 'db' took 400 ms, at or above its slow threshold of 350 ms", slow.Message);

        // Answers from the cache are not runs: no further warning.
        await host.GetAsync("/health/checks/db");
        Assert.Single(logs.ForEvent(SlowEvent, SlowEventName));
    }

    [Fact]
    public async Task SlowRun_ThresholdPerCheck_OverridesTheDefaults()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        var logs = new TestLogSink();
        await using var host = await Start(time, check, logs, new Dictionary<string, string?>
        {
            ["HealthKit:Defaults:SlowThreshold"] = "00:00:00.500",
            ["HealthKit:Checks:db:SlowThreshold"] = "00:00:00.100",
        });

        await RunTakingAsync(host, time, check, TimeSpan.FromMilliseconds(150));

        Assert.Equal("Health check 'db' took 150 ms, at or above its slow threshold of 100 ms", Assert.Single(logs.ForEvent(SlowEvent, SlowEventName)).Message);
        Assert.Equal(TimeSpan.FromMilliseconds(500), host.Services.GetRequiredService<HealthEngine>().Find("self")!.Policy.SlowThreshold);
    }

    [Fact]
    public async Task TimedOutRun_IsSlowToo()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var logs = new TestLogSink();
        await using var host = await Start(time, check, logs);

        var waiting = host.GetAsync("/health/checks/db");
        await Eventually.True(() => check.Runs == 1);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(503, (await waiting).StatusCode);

        Assert.Equal("Health check 'db' took 700 ms, at or above its slow threshold of 350 ms", Assert.Single(logs.ForEvent(SlowEvent, SlowEventName)).Message);
    }

    [Theory]
    [InlineData("HealthKit:Defaults:SlowThreshold", "00:00:00", "HealthKit:Defaults:SlowThreshold must be greater than zero")]
    [InlineData("HealthKit:Checks:db:SlowThreshold", "-00:00:01", "HealthKit:Checks:db:SlowThreshold must be greater than zero")]
    [InlineData("HealthKit:Checks:db:SlowThreshold", "00:10:01", "HealthKit:Checks:db:SlowThreshold must be greater than zero and at most 00:10:00")]
    [InlineData("HealthKit:Checks:db:SlowThreshold", "slow", "HealthKit:Checks:db:SlowThreshold ('slow') is not valid")]
    [InlineData("HealthKit:Checks:db:SlowTreshold", "00:00:01", "did you mean 'SlowThreshold'")]
    [InlineData("HealthKit:Checks:self:SlowThreshold", "00:00:01", "'HealthKit:Checks:self:SlowThreshold' cannot be set")]
    [InlineData("HealthKit:RecordHttpMetrics", "sometimes", "HealthKit:RecordHttpMetrics ('sometimes') is not valid")]
    public async Task InvalidSetting_StopsStartup_NamingTheKey(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Start(new FakeTimeProvider(), new CountingCheck(), new TestLogSink(), new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
