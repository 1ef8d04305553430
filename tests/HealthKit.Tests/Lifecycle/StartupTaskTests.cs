using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Lifecycle;

public sealed class StartupTaskTests
{
    private static Task<TestHost> Start(
        FakeTimeProvider time,
        Action<IHealthChecksBuilder> tasks,
        TestLogSink? logs = null,
        string drain = "00:00:00",
        string? startupTimeout = null)
    {
        var configuration = new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = drain };
        if (startupTimeout is not null)
        {
            configuration["HealthKit:Lifecycle:StartupTimeout"] = startupTimeout;
        }

        return TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                tasks(b.Services.AddHealthKit());
            },
            configuration: configuration,
            environment: "Development",
            logs: logs);
    }

    private static string StartupDescription(TestHost.Response response) =>
        response.Entry("startup").GetProperty("description").GetString()!;

    [Fact]
    public async Task StartupTimeout_TaskIgnoresItsToken_FailsStartupAndReadiness_CancelsTheToken()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var warmUpRan = false;
        await using var host = await Start(
            time,
            c => c
                .AddStartupTask("migrations", (_, ct) =>
                {
                    started.SetResult(ct);
                    return never.Task;
                })
                .AddStartupTask("warm-up", (_, _) =>
                {
                    warmUpRan = true;
                    return Task.CompletedTask;
                }),
            logs,
            startupTimeout: "00:01:00");
        try
        {
            var token = await started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

            time.Advance(TimeSpan.FromSeconds(59));
            Assert.Equal("starting: waiting for migrations, warm-up", StartupDescription(await host.GetAsync("/health/startup")));
            Assert.False(token.IsCancellationRequested);

            time.Advance(TimeSpan.FromSeconds(1));
            await Eventually.True(async () => StartupDescription(await host.GetAsync("/health/startup")).Contains("timed out", StringComparison.Ordinal));

            var startup = await host.GetAsync("/health/startup");
            Assert.Equal(503, startup.StatusCode);
            Assert.Equal("startup task 'migrations' timed out after 00:01:00", StartupDescription(startup));
            Assert.Equal("TimedOut", startup.Entry("startup").GetProperty("data").GetProperty("tasks").GetProperty("migrations").GetString());
            Assert.Equal("Pending", startup.Entry("startup").GetProperty("data").GetProperty("tasks").GetProperty("warm-up").GetString());
            var ready = await host.GetAsync("/health/ready");
            Assert.Equal(503, ready.StatusCode);
            Assert.Equal("startup task 'migrations' timed out after 00:01:00", StartupDescription(ready));
            Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
            Assert.True(token.IsCancellationRequested);
            Assert.False(warmUpRan);
            Assert.False(host.Services.GetRequiredService<HealthKitAvailability>().IsStarted);

            var error = Assert.Single(logs.ForEvent(20, "HealthKitStartupTaskTimedOut"));
            Assert.Equal(LogLevel.Error, error.Level);
            Assert.Contains("'migrations'", error.Message, StringComparison.Ordinal);
            Assert.Contains("60000 ms", error.Message, StringComparison.Ordinal);
            Assert.Contains("HealthKit:Lifecycle:StartupTimeout", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task StartupTimeout_AppliesToEachTaskSeparately()
    {
        // Two 40 s tasks under a 60 s timeout: both finish, although together they take longer than the timeout.
        var time = new FakeTimeProvider();
        var ran = 0;
        Func<IServiceProvider, CancellationToken, Task> task = async (_, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(40), time, ct);
            Interlocked.Increment(ref ran);
        };
        await using var host = await Start(time, c => c.AddStartupTask("first", task).AddStartupTask("second", task), startupTimeout: "00:01:00");

        await Eventually.True(async () =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return (await host.GetAsync("/health/startup")).StatusCode == 200;
        });

        Assert.Equal(2, ran);
        Assert.Equal("started", StartupDescription(await host.GetAsync("/health/startup")));
    }

    [Fact]
    public async Task StartupTasks_Pending_AreNamedInALogLineEvery30Seconds()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await Start(
            time,
            c => c
                .AddStartupTask("migrations", async (_, ct) =>
                {
                    started.SetResult();
                    await gate.Task.WaitAsync(ct);
                })
                .AddStartupTask("warm-up", (_, _) => Task.CompletedTask),
            logs);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        IEnumerable<TestLogSink.Entry> Pending() => logs.ForEvent(21, "HealthKitStartupTasksPending");

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(Pending());

        time.Advance(TimeSpan.FromSeconds(1));
        var first = Assert.Single(Pending());
        Assert.Equal(LogLevel.Information, first.Level);
        Assert.Contains("after 30000 ms for startup tasks migrations, warm-up ('migrations' is running)", first.Message, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, Pending().Count());
        Assert.Contains("after 60000 ms", Pending().Last().Message, StringComparison.Ordinal);

        gate.SetResult();
        await Eventually.True(async () => (await host.GetAsync("/health/startup")).StatusCode == 200);
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(2, Pending().Count());
    }

    [Fact]
    public async Task StartupTask_Throws_IsTheNamedFailure_AndTheTasksAfterItNeverRun()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var secondRan = false;
        await using var host = await Start(
            time,
            c => c
                .AddStartupTask("migrations", (_, _) => throw new InvalidOperationException("schema is locked"))
                .AddStartupTask("warm-up", (_, _) =>
                {
                    secondRan = true;
                    return Task.CompletedTask;
                }),
            logs);
        await Eventually.True(() => logs.ForEvent(10, "HealthKitStartupTaskFailed").Any());

        var startup = await host.GetAsync("/health/startup");
        await host.App.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(503, startup.StatusCode);
        Assert.Equal("startup task 'migrations' failed (InvalidOperationException)", StartupDescription(startup));
        var tasks = startup.Entry("startup").GetProperty("data").GetProperty("tasks");
        Assert.Equal("Failed", tasks.GetProperty("migrations").GetString());
        Assert.Equal("Pending", tasks.GetProperty("warm-up").GetString());
        Assert.False(secondRan);
        Assert.Empty(logs.ForEvent(11, "HealthKitStarted"));
    }

    [Fact]
    public async Task StartupTasks_RunOneAfterAnother_InTheOrderAdded()
    {
        var time = new FakeTimeProvider();
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var host = await Start(time, c => c
            .AddStartupTask("first", async (_, ct) =>
            {
                events.Enqueue("first started");
                firstStarted.SetResult();
                await gate.Task.WaitAsync(ct);
                events.Enqueue("first finished");
            })
            .AddStartupTask("second", (_, _) =>
            {
                events.Enqueue("second started");
                return Task.CompletedTask;
            }));
        await firstStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var startup = await host.GetAsync("/health/startup");
        var tasks = startup.Entry("startup").GetProperty("data").GetProperty("tasks");
        Assert.Equal("Running", tasks.GetProperty("first").GetString());
        Assert.Equal("Pending", tasks.GetProperty("second").GetString());
        Assert.Equal(["first started"], events);

        gate.SetResult();
        await Eventually.True(async () => (await host.GetAsync("/health/startup")).StatusCode == 200);
        Assert.Equal(["first started", "first finished", "second started"], events);
    }

    [Fact]
    public async Task Shutdown_TaskIgnoringItsToken_IsNamedAfterTheDrain_AndWhenTheShutdownTimeoutRunsOut()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await Start(
            time,
            c => c.AddStartupTask("migrations", (_, ct) =>
            {
                started.SetResult(ct);
                return never.Task;
            }),
            logs,
            drain: "00:00:05");
        try
        {
            var token = await started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            IEnumerable<TestLogSink.Entry> Blocking() => logs.ForEvent(22, "HealthKitStartupTaskBlocksShutdown");
            IEnumerable<TestLogSink.Entry> Abandoned() => logs.ForEvent(23, "HealthKitStartupTaskAbandoned");

            // The host links this token with its ShutdownTimeout; cancelling it is the timeout running out.
            using var shutdownTimeout = new CancellationTokenSource();
            var stopping = host.App.StopAsync(shutdownTimeout.Token);

            // The token is cancelled when the stop begins, so that the task has the drain to stop.
            await Eventually.True(() => token.IsCancellationRequested && logs.ForEvent(8, "HealthKitDrainStarted").Any());
            Assert.Empty(Blocking());

            var advanced = TimeSpan.Zero;
            await Eventually.True(() =>
            {
                time.Advance(TimeSpan.FromMilliseconds(500));
                advanced += TimeSpan.FromMilliseconds(500);
                return Blocking().Any();
            });
            Assert.True(advanced >= TimeSpan.FromSeconds(5), $"named after {advanced}, before the 5 s drain was over");
            var blocking = Assert.Single(Blocking());
            Assert.Equal(LogLevel.Warning, blocking.Level);
            Assert.Contains("waiting for startup task 'migrations'", blocking.Message, StringComparison.Ordinal);
            Assert.False(stopping.IsCompleted);
            Assert.Empty(Abandoned());

            await shutdownTimeout.CancelAsync();
            await stopping.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

            var abandoned = Assert.Single(Abandoned());
            Assert.Equal(LogLevel.Warning, abandoned.Level);
            Assert.Contains("startup task 'migrations'", abandoned.Message, StringComparison.Ordinal);
            Assert.Contains("ShutdownTimeout", abandoned.Message, StringComparison.Ordinal);
        }
        finally
        {
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task Shutdown_TaskHonouringItsToken_StopsWithinTheDrain_WithoutAWarning()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await Start(
            time,
            c => c.AddStartupTask("migrations", async (_, ct) =>
            {
                started.SetResult();
                await Task.Delay(Timeout.InfiniteTimeSpan, time, ct);
            }),
            logs,
            drain: "00:00:05");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var stopping = host.App.StopAsync(TestContext.Current.CancellationToken);
        await Eventually.True(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            return stopping.IsCompleted;
        });

        await stopping;
        Assert.Empty(logs.ForEvent(11, "HealthKitStarted"));
        Assert.Empty(logs.ForEvent(22, "HealthKitStartupTaskBlocksShutdown"));
        Assert.Empty(logs.ForEvent(23, "HealthKitStartupTaskAbandoned"));
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("HealthKit", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("1.00:00:01")]
    public async Task InvalidStartupTimeout_StopsStartup_NamingTheKey(string timeout)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:StartupTimeout"] = timeout }));

        Assert.Contains("HealthKit:Lifecycle:StartupTimeout must be greater than zero and at most 1.00:00:00", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupTimeout_OneDay_IsAccepted()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:StartupTimeout"] = "1.00:00:00" });

        Assert.Equal(200, (await host.GetAsync("/health/startup")).StatusCode);
    }
}
