using System.Diagnostics;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Telemetry;

/// <summary>
/// Telemetry and logging never hold a run: an exception that cannot describe itself, or a listener that throws, leaves
/// the answer as prompt as without them. The clock is fake and never advanced, so a request that waited for its deadline
/// would never be answered: each request is bounded by a real 10 s wait instead. Activity listeners are process-wide, so
/// the check has a name no other test uses and the throwing listener throws only for its spans.
/// </summary>
public sealed class TelemetryFailureTests
{
    private const string Check = "telemetry-victim";
    private const int TelemetryFailedEvent = 31;
    private const string TelemetryFailedName = "HealthKitTelemetryFailed";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static Task<TestHost> Start(IHealthCheck check, TestLogSink logs, bool includeExceptionDetails = false) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
                b.Services.AddHealthKit(o =>
                {
                    o.Endpoints.Health.DetailLevel = HealthDetailLevel.Full;
                    o.IncludeExceptionDetails = includeExceptionDetails;
                }).AddCheck(Check, check).ConfigureCheck(Check, p =>
                {
                    p.CacheTtl = TimeSpan.Zero;
                    p.FailureCacheTtl = TimeSpan.Zero;
                });
            },
            logs: logs);

    private static ActivityListener Listen(Action<Activity>? stopped = null)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HealthKitTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Run_ThrowsAnExceptionWhoseMessageThrows_WithTracing_AnswersAtOnce(bool includeExceptionDetails)
    {
        var logs = new TestLogSink();
        using var listener = Listen();
        await using var host = await Start(new ThrowingCheck(new BrokenMessageException()), logs, includeExceptionDetails);

        var response = await host.GetAsync("/health").WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("check threw BrokenMessageException", response.Description(Check));
    }

    [Fact]
    public async Task Run_ReturnsAnExceptionWhoseMessageThrows_WithTracing_AnswersAtOnce()
    {
        var logs = new TestLogSink();
        using var listener = Listen();
        var check = new CountingCheck(() => HealthCheckResult.Unhealthy("down", new BrokenMessageException()));
        await using var host = await Start(check, logs, includeExceptionDetails: true);

        var response = await host.GetAsync("/health").WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("down", response.Description(Check));
        Assert.Equal("(the message could not be read: InvalidOperationException)", response.Entry(Check).GetProperty("exception").GetString());
    }

    [Fact]
    public async Task Run_ActivityListenerThrows_AnswersAtOnce_AndLogsOnce()
    {
        var logs = new TestLogSink();
        using var listener = Listen(activity =>
        {
            if (Equals(activity.GetTagItem("healthkit.check.name"), Check))
            {
                throw new InvalidOperationException("listener broke");
            }
        });
        var check = new CountingCheck(() => HealthCheckResult.Healthy("fine"));
        await using var host = await Start(check, logs);

        var first = await host.GetAsync("/health").WaitAsync(Bound, TestContext.Current.CancellationToken);
        var second = await host.GetAsync("/health").WaitAsync(Bound, TestContext.Current.CancellationToken);

        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal(2, check.Runs);
        var logged = Assert.Single(logs.ForEvent(TelemetryFailedEvent, TelemetryFailedName));
        Assert.Contains("listener broke", logged.Exception!.ToString(), StringComparison.Ordinal);
    }

    private sealed class BrokenMessageException : Exception
    {
        public override string Message => throw new InvalidOperationException("message unavailable");

        public override string? StackTrace => throw new InvalidOperationException("no stack either");
    }
}
