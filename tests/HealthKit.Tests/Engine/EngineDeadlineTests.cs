using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>
/// A caller's own deadline, where it is shorter than the run it joins: a <see cref="HealthCheckService"/> caller waits at
/// most the check's current timeout, while a run started before a reload keeps the longer timeout it started with.
/// </summary>
public sealed class EngineDeadlineTests
{
    private const int ReloadedEvent = 71;
    private const string ReloadedEventName = "HealthKitSettingsReloaded";

    /// <summary>
    /// Starts a run of <paramref name="check"/> under the default 700 ms timeout with a request to <c>/health</c>, then
    /// reloads the check's timeout to 300 ms; returns the pending request.
    /// </summary>
    private static async Task<(TestHost Host, Task<TestHost.Response> Request)> StartRunThenShortenTimeoutAsync(SteppingTimeProvider time, CountingCheck check)
    {
        var logs = new TestLogSink();
        var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddCheck("db", check);
            },
            configuration: new Dictionary<string, string?> { ["HealthKit:Endpoints:Health:DetailLevel"] = "Full", ["HealthKit:ReplaceHealthCheckService"] = "true" },
            logs: logs);

        var request = host.GetAsync("/health");
        await Eventually.True(() => check.Runs == 1);

        var configuration = (IConfigurationRoot)host.App.Configuration;
        configuration["HealthKit:Checks:db:Timeout"] = "00:00:00.300";
        configuration.Reload();
        Assert.Equal(
            "The reloaded HealthKit configuration is in force; checks whose policy changed: db",
            Assert.Single(logs.ForEvent(ReloadedEvent, ReloadedEventName)).Message);
        return (host, request);
    }

    [Fact]
    public async Task HealthCheckService_JoiningARunWithALongerTimeout_EndsItAtItsOwnDeadline_CountedFromItsCall()
    {
        var time = new SteppingTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var (host, request) = await StartRunThenShortenTimeoutAsync(time, check);
        await using (host)
        {
            var service = host.Services.GetRequiredService<HealthCheckService>();

            // The caller may wait 300 ms. 100 ms pass between its call and its wait, as on a busy machine: they count
            // against its deadline, so it is answered 300 ms after its call, long before the run's own 700 ms.
            var called = time.GetUtcNow();
            time.StepOnNextReads(TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
            var pending = service.CheckHealthAsync(r => r.Name == "db", TestContext.Current.CancellationToken);
            Assert.Equal(called + TimeSpan.FromMilliseconds(100), time.GetUtcNow());
            Assert.False(pending.IsCompleted);

            time.Advance(TimeSpan.FromMilliseconds(200));
            await Eventually.True(() => pending.IsCompleted);
            var entry = (await pending).Entries["db"];

            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Equal("timed out", entry.Description);

            // The caller ended the shared run: the request that started it gets the same outcome.
            var response = await request;
            Assert.Equal(503, response.StatusCode);
            Assert.Equal("timed out", response.Entry("db").GetProperty("description").GetString());
            Assert.Equal(1, check.Runs);
            check.Gate.SetResult();
        }
    }

    [Fact]
    public async Task HealthCheckService_DeadlineOverBeforeItWaits_EndsTheRunAsTimedOut_ThoughItsTokenFiredMeanwhile()
    {
        var time = new SteppingTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var (host, request) = await StartRunThenShortenTimeoutAsync(time, check);
        await using (host)
        {
            var service = host.Services.GetRequiredService<HealthCheckService>();

            // The whole 300 ms deadline passes between the caller's call and its wait, and its token fires on the way:
            // by the time the caller would wait its deadline is over, and it is answered with the timeout, not cancelled.
            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(1), time);
            time.StepOnNextReads(TimeSpan.Zero, TimeSpan.FromMilliseconds(300));
            var pending = service.CheckHealthAsync(r => r.Name == "db", cancellation.Token);

            Assert.True(cancellation.IsCancellationRequested);
            var entry = (await pending).Entries["db"];
            Assert.Equal(HealthStatus.Unhealthy, entry.Status);
            Assert.Equal("timed out", entry.Description);
            Assert.Equal("timed out", (await request).Entry("db").GetProperty("description").GetString());
            check.Gate.SetResult();
        }
    }

    /// <summary>
    /// A fake clock that moves by given steps at the next reads of its timestamp on the thread that asked for them, one
    /// step per read before it answers, as time passes between two reads on a busy machine.
    /// </summary>
    private sealed class SteppingTimeProvider : FakeTimeProvider
    {
        private readonly Queue<TimeSpan> _steps = new();
        private int _thread;

        public void StepOnNextReads(params TimeSpan[] steps)
        {
            _thread = Environment.CurrentManagedThreadId;
            foreach (var step in steps)
            {
                _steps.Enqueue(step);
            }
        }

        public override long GetTimestamp()
        {
            if (Environment.CurrentManagedThreadId == _thread && _steps.TryDequeue(out var step))
            {
                Advance(step);
            }

            return base.GetTimestamp();
        }
    }
}
