using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Engine;

/// <summary>
/// A Background check may have a timeout longer than every endpoint's deadline: its runs never hold a probe, and a
/// probe's deadline never ends its run.
/// </summary>
public sealed class BackgroundTimeoutTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(800);

    private static Task<TestHost> Start(ObservableTimeProvider time, CountingCheck check) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddCheck("warehouse", check, tags: [HealthKitTags.Ready]);
            },
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Checks:warehouse:Mode"] = "Background",
                ["HealthKit:Checks:warehouse:Timeout"] = "00:00:05",
                ["HealthKit:Checks:warehouse:Period"] = "00:00:30",
            },
            environment: "Development");

    /// <summary>Sends a request and moves the clock to its deadline once the request is parked on it.</summary>
    private static async Task<TestHost.Response> GetAtDeadlineAsync(TestHost host, ObservableTimeProvider time, string path)
    {
        var waiting = time.TimersCreatedWith(Deadline);
        var response = host.GetAsync(path);
        await Eventually.True(() => time.TimersCreatedWith(Deadline) > waiting);
        time.Advance(Deadline);
        return await response;
    }

    [Fact]
    public async Task FirstRun_LongerThanDeadline_ProbeAnswersAtDeadlineAndRunGoesOn()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, check);
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("warehouse")!;
        Assert.Equal(TimeSpan.FromSeconds(5), slot.Policy.Timeout);
        await Eventually.True(() => check.Runs == 1);

        var early = await GetAtDeadlineAsync(host, time, "/health/checks/warehouse");

        Assert.Equal(503, early.StatusCode);
        Assert.Equal("timed out (the first background run is still in progress)", early.Description("warehouse"));
        Assert.Equal((true, false), slot.RunState);
        Assert.Null(slot.Last);

        // Past every deadline, within its own timeout: the run is still going, and its result serves every probe.
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal((true, false), slot.RunState);
        check.Gate.SetResult();
        await Eventually.True(() => slot.Last is not null);
        var later = await host.GetAsync("/health/ready");
        Assert.Equal(200, later.StatusCode);
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task FirstRun_Hanging_EndsAtItsOwnTimeoutNotADeadline()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, check);
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("warehouse")!;
        await Eventually.True(() => check.Runs == 1);
        await GetAtDeadlineAsync(host, time, "/health/ready");
        await GetAtDeadlineAsync(host, time, "/health/ready");
        Assert.Null(slot.Last);

        time.Advance(TimeSpan.FromSeconds(5) - Deadline - Deadline);

        await Eventually.True(() => slot.Last is not null);
        Assert.Equal(HealthEngine.TimedOutDescription, slot.Last!.Description);
        Assert.Equal(TimeSpan.FromSeconds(5), slot.Last.Duration);
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("Background", null)]
    [InlineData("OnDemand", "HealthKit:Checks:warehouse:Timeout (00:00:05) is longer than every endpoint's Deadline")]
    public async Task Timeout_LongerThanEveryDeadline_AllowedOnlyInBackground(string mode, string? error)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["HealthKit:Checks:warehouse:Mode"] = mode,
            ["HealthKit:Checks:warehouse:Timeout"] = "00:00:05",
        };
        var start = TestHost.StartAsync(b => b.Services.AddHealthKit().AddCheck("warehouse", () => HealthCheckResult.Healthy()), configuration: configuration);

        if (error is null)
        {
            await using var host = await start;
            Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
        }
        else
        {
            var thrown = await Assert.ThrowsAnyAsync<Exception>(() => start);
            Assert.Contains(error, thrown.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DefaultsBackgroundTimeout_CheckMadeOnDemand_StopsStartupNamingTheKey()
    {
        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("warehouse", () => HealthCheckResult.Healthy()),
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Defaults:Mode"] = "Background",
                ["HealthKit:Defaults:Timeout"] = "00:00:05",
                ["HealthKit:Checks:warehouse:Mode"] = "OnDemand",
            }));

        Assert.Contains("HealthKit:Checks:warehouse:Mode is OnDemand, so the check inherits HealthKit:Defaults:Timeout (00:00:05)", thrown.Message, StringComparison.Ordinal);
    }
}
