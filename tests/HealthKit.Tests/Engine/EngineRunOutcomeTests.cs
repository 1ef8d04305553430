using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>What one run of a check turns into when the check misbehaves: its factory, its task, its result, its token.</summary>
public sealed class EngineRunOutcomeTests
{
    private const int TimedOutEvent = 3;
    private const string TimedOutEventName = "HealthKitCheckTimedOut";

    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder> checks, Action<HealthKitOptions>? options = null, TestLogSink? logs = null) =>
        TestHost.StartWithChecksAsync(time, checks, options, logs, environment: "Development");

    [Fact]
    public async Task FactoryReturningNull_IsTheFailureStatus_NamingTheCheck()
    {
        await using var host = await Start(
            new FakeTimeProvider(),
            c => c.Add(new HealthCheckRegistration("db", _ => null!, HealthStatus.Degraded, null)),
            o => o.IncludeExceptionDetails = true);

        var response = await host.GetAsync("/health");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Degraded", response.Entry("db").GetProperty("status").GetString());
        Assert.Equal("check threw InvalidOperationException", response.Description("db"));
        Assert.Equal("The factory of health check 'db' returned null.", response.Entry("db").GetProperty("exception").GetString());
    }

    [Fact]
    public async Task CheckReturningANullTask_IsTheFailureStatus_NamingTheCheck()
    {
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", new NullTaskCheck()), o => o.IncludeExceptionDetails = true);

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("check threw InvalidOperationException", response.Description("db"));
        Assert.Equal("Health check 'db' returned a null task.", response.Entry("db").GetProperty("exception").GetString());
    }

    [Fact]
    public async Task InvalidStatus_IsTheFailureStatus_CountedAsReturned_NotTimedOut()
    {
        var logs = new TestLogSink();
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", new CountingCheck(() => new HealthCheckResult((HealthStatus)7, "seven"))), logs: logs);
        using var meter = new MeterCapture(host.Services);

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("check returned an invalid status", response.Description("db"));
        var run = Assert.Single(meter.Recorded.Where("healthkit.check.runs", ("healthkit.check.name", "db")));
        Assert.Equal("unhealthy", run.Tags["healthkit.check.outcome"]);
        Assert.Empty(logs.ForEvent(TimedOutEvent, TimedOutEventName));
    }

    [Fact]
    public async Task UnreadableData_IsCountedAsThrown_NotTimedOut()
    {
        var logs = new TestLogSink();
        var check = new CountingCheck(() => HealthCheckResult.Healthy(
            "ok",
            new Dictionary<string, object> { ["items"] = Enumerable.Range(0, 1).Select<int, object>(_ => throw new InvalidOperationException("boom")) }));
        await using var host = await Start(new FakeTimeProvider(), c => c.AddCheck("db", check), logs: logs);
        using var meter = new MeterCapture(host.Services);

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("check returned data that could not be read (InvalidOperationException)", response.Description("db"));
        var run = Assert.Single(meter.Recorded.Where("healthkit.check.runs", ("healthkit.check.name", "db")));
        Assert.Equal("threw", run.Tags["healthkit.check.outcome"]);
        Assert.Empty(logs.ForEvent(TimedOutEvent, TimedOutEventName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TimedOutCheck_ReturningAfterItsCancellation_IsNotCountedAsASecondFailure(bool catchesCancellation)
    {
        // A check that honours its token ends with an OperationCanceledException once the run has timed out; one that
        // catches it reports a failure of its own. Either way that is the timeout already published, not news.
        var time = new ObservableTimeProvider();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        IHealthCheck check = catchesCancellation ? new CatchesCancellationCheck(gate) : new CountingCheck { Gate = gate };
        await using var host = await Start(time, c => c.AddCheck("db", check).ConfigureCheck("db", p => p.UnhealthyAfterFailures = 3));
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;

        var pending = host.GetAsync("/health");
        await Eventually.True(() => time.TimersCreatedWith(TimeSpan.FromMilliseconds(700)) == 1);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal("failing (1 of 3): timed out", (await pending).Description("db"));

        // The check has returned once the slot no longer holds it as abandoned; its result is then dropped.
        await Eventually.True(() => slot.RunState == (false, false));
        var cached = await host.GetAsync("/health");

        Assert.Equal("failing (1 of 3): timed out", cached.Description("db"));
        Assert.Equal(1, cached.Entry("db").GetProperty("data").GetProperty("consecutiveFailures").GetInt32());
    }

    private sealed class NullTaskCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => null!;
    }

    /// <summary>Waits for a gate, and reports its own cancellation as a failure instead of throwing it.</summary>
    private sealed class CatchesCancellationCheck(TaskCompletionSource gate) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await gate.Task.WaitAsync(cancellationToken);
                return HealthCheckResult.Healthy("released");
            }
            catch (OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy("A task was canceled.");
            }
        }
    }
}
