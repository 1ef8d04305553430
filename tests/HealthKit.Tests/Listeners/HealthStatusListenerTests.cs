using HealthKit.Engine;
using HealthKit.Internal;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Listeners;

public sealed class HealthStatusListenerTests
{
    private const string Secret = "Sup3rS3cret-51be";

    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder> configure, Action<HealthKitOptions>? options = null, TestLogSink? logs = null) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                configure(b.Services.AddHealthKit(o =>
                {
                    o.Defaults.CacheTtl = TimeSpan.Zero;
                    o.Defaults.FailureCacheTtl = TimeSpan.Zero;
                    options?.Invoke(o);
                }));
            },
            logs: logs);

    [Fact]
    public async Task CheckAndEndpointChanges_EachReportedOnce_WithRedactedDescriptionAndTime()
    {
        var time = new FakeTimeProvider();
        var result = HealthCheckResult.Healthy("fine");
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck(() => result)).AddHealthStatusListener<RecordingListener>());
        var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();

        await host.GetAsync("/health");
        time.Advance(TimeSpan.FromSeconds(1));
        result = HealthCheckResult.Unhealthy("cannot reach Host=db;Password=" + Secret);
        var failedAt = time.GetUtcNow();
        await host.GetAsync("/health");
        await host.GetAsync("/health");
        time.Advance(TimeSpan.FromSeconds(1));
        result = HealthCheckResult.Healthy("fine");
        var recoveredAt = time.GetUtcNow();
        await host.GetAsync("/health");
        await host.GetAsync("/health");

        await Eventually.True(() => recorded.Changes.Count >= 4);
        var checks = recorded.Of(HealthStatusChangeKind.Check).ToArray();
        Assert.Equal(2, checks.Length);
        Assert.Equal(("db", (HealthStatus?)HealthStatus.Healthy, HealthStatus.Unhealthy, failedAt), (checks[0].Name, checks[0].PreviousStatus, checks[0].Status, checks[0].ChangedAt));
        Assert.StartsWith("cannot reach Host=db;Password=", checks[0].Description, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, checks[0].Description, StringComparison.Ordinal);
        Assert.Equal(("db", (HealthStatus?)HealthStatus.Unhealthy, HealthStatus.Healthy, recoveredAt), (checks[1].Name, checks[1].PreviousStatus, checks[1].Status, checks[1].ChangedAt));

        var endpoints = recorded.Of(HealthStatusChangeKind.Endpoint).ToArray();
        Assert.Equal(2, endpoints.Length);
        Assert.Equal(("Health", (HealthStatus?)HealthStatus.Healthy, HealthStatus.Unhealthy, failedAt), (endpoints[0].Name, endpoints[0].PreviousStatus, endpoints[0].Status, endpoints[0].ChangedAt));
        Assert.Null(endpoints[0].Description);
        Assert.Equal(("Health", (HealthStatus?)HealthStatus.Unhealthy, HealthStatus.Healthy), (endpoints[1].Name, endpoints[1].PreviousStatus, endpoints[1].Status));
    }

    [Fact]
    public async Task DampedCheck_ListenerSeesDegradedThenUnhealthyAtTheLimit()
    {
        var time = new FakeTimeProvider();
        var result = HealthCheckResult.Healthy();
        await using var host = await Start(
            time,
            c => c.AddCheck("db", new CountingCheck(() => result)).AddHealthStatusListener<RecordingListener>(),
            o => o.Defaults.UnhealthyAfterFailures = 3);
        var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();

        await host.GetAsync("/health/checks/db");
        result = HealthCheckResult.Unhealthy("down");
        for (var i = 0; i < 4; i++)
        {
            await host.GetAsync("/health/checks/db");
        }

        await Eventually.True(() => recorded.Changes.Count >= 2);
        await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);
        var changes = recorded.Of(HealthStatusChangeKind.Check).Select(c => (c.PreviousStatus, c.Status, c.Description)).ToArray();
        Assert.Equal(
            [(HealthStatus.Healthy, HealthStatus.Degraded, "failing (1 of 3): down"), (HealthStatus.Degraded, HealthStatus.Unhealthy, "down")],
            changes);
    }

    [Fact]
    public async Task ThrowingListener_IsLoggedWithoutSecret_AndOthersStillHearTheChange()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var throwing = new ThrowingListener("webhook said: token=" + Secret);
        await using var host = await Start(
            time,
            c =>
            {
                c.AddCheck("db", () => HealthCheckResult.Unhealthy("down"));
                c.Services.AddSingleton<IHealthStatusListener>(throwing);
                c.AddHealthStatusListener<RecordingListener>();
            },
            logs: logs);
        var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        await Eventually.True(() => recorded.Changes.Count >= 2);
        await Eventually.True(() => logs.ForEvent(Log.Events.ListenerFailed, "HealthKitListenerFailed").Count() >= 2);
        var failures = logs.ForEvent(Log.Events.ListenerFailed, "HealthKitListenerFailed").ToArray();
        Assert.Equal(2, failures.Length);
        Assert.All(failures, f => Assert.Contains(nameof(ThrowingListener), f.Message, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(Secret, StringComparison.Ordinal) || e.Exception?.Contains(Secret, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task HangingListener_RequestsDoNotWait_OthersHearAtOnce_AndItIsAbandonedAtTheTimeout()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var hanging = new HangingListener();
        await using var host = await Start(
            time,
            c =>
            {
                c.AddCheck("db", () => HealthCheckResult.Unhealthy("down"), tags: [HealthKitTags.Ready]);
                c.Services.AddSingleton<IHealthStatusListener>(hanging);
                c.AddHealthStatusListener<RecordingListener>();
            },
            o => o.ListenerTimeout = TimeSpan.FromSeconds(10),
            logs);
        var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();

        Assert.Equal(503, (await host.GetAsync("/health/checks/db")).StatusCode);
        await Eventually.True(() => hanging.Calls == 1);
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);

        // Each listener has a queue of its own: the hanging one delays nobody, with no time passing at all.
        await Eventually.True(() => recorded.Changes.Count >= 3);
        Assert.Equal(["db", "Health", "Ready"], recorded.Changes.Select(c => c.Name));
        time.Advance(TimeSpan.FromSeconds(9.9));
        await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);
        Assert.Empty(logs.ForEvent(Log.Events.ListenerTimedOut, "HealthKitListenerTimedOut"));

        time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.True(() => hanging.Calls == 3);
        var timedOut = Assert.Single(logs.ForEvent(Log.Events.ListenerTimedOut, "HealthKitListenerTimedOut"));
        Assert.Contains(nameof(HangingListener), timedOut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StuckListener_QueueFull_MergesAndLogsOnce_LastWordEqualsTheCurrentState()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var hanging = new HangingListener();
        var recorded = new RecordingListener();
        var runs = 0;
        await using var host = await Start(
            time,
            c =>
            {
                // Unhealthy on odd runs: the first, and the 301st, the last.
                c.AddCheck("flapping", () => Interlocked.Increment(ref runs) % 2 == 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("down"));
                c.Services.AddSingleton<IHealthStatusListener>(hanging);
                c.Services.AddSingleton<IHealthStatusListener>(recorded);
            },
            o => o.ListenerTimeout = TimeSpan.FromSeconds(10),
            logs);

        await host.GetAsync("/health/checks/flapping");
        await Eventually.True(() => hanging.Calls == 1);
        for (var i = 0; i < 300; i++)
        {
            await host.GetAsync("/health/checks/flapping");
        }

        Assert.Equal(301, runs);
        Assert.Equal(HealthStatus.Unhealthy, host.Services.GetRequiredService<HealthKit.Engine.HealthEngine>().Find("flapping")!.Last!.Status);
        var full = Assert.Single(logs.ForEvent(Log.Events.ListenerQueueFull, "HealthKitListenerQueueFull"));
        Assert.Contains(nameof(HangingListener), full.Message, StringComparison.Ordinal);

        // The listener that keeps up heard every change; the stuck one, once released, hears at most a queue's worth
        // plus one merged change per subject, and its last word for each subject is where that subject is now.
        await Eventually.True(() => recorded.Changes.Count >= 602);
        Assert.Equal(602, recorded.Changes.Count);
        time.Advance(TimeSpan.FromSeconds(10));
        (string, HealthStatus)[] current = [("Health", HealthStatus.Unhealthy), ("flapping", HealthStatus.Unhealthy)];
        await Eventually.True(() => hanging.LastWords.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (c.Name, c.Status)).SequenceEqual(current));
        await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, TestContext.Current.CancellationToken);
        Assert.InRange(hanging.Calls, 200, 1 + 256 + 2);
        Assert.Equal(current, hanging.LastWords.OrderBy(c => c.Name, StringComparer.Ordinal).Select(c => (c.Name, c.Status)));
    }

    [Fact]
    public async Task Stop_DeliversChangesStillQueued()
    {
        var time = new FakeTimeProvider();
        var gate = new GatedListener();
        var host = await Start(time, c =>
        {
            c.AddCheck("db", () => HealthCheckResult.Degraded("slow"));
            c.Services.AddSingleton<IHealthStatusListener>(gate);
        });
        await using (host)
        {
            await host.GetAsync("/health");
            await Eventually.True(() => gate.Entered);
            var stop = host.App.StopAsync(TestContext.Current.CancellationToken);
            gate.Open();
            await stop;

            // Then the drain, announced as it begins.
            Assert.Equal(["db", "Health", "availability", "Health", "Ready"], gate.Heard);
        }
    }

    [Fact]
    public async Task ShutdownDrain_ListenerHearsReadinessFail()
    {
        var time = new FakeTimeProvider();
        var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddHealthStatusListener<RecordingListener>();
            },
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:05" });
        await using (host)
        {
            var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();
            Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);

            var stop = host.App.StopAsync(TestContext.Current.CancellationToken);
            await Eventually.True(async () => (await host.GetAsync("/health/ready")).StatusCode == 503);
            time.Advance(TimeSpan.FromSeconds(5));
            await stop;

            Assert.Equal(
                [(HealthStatusChangeKind.Check, "availability", HealthStatus.Unhealthy), (HealthStatusChangeKind.Endpoint, "Health", HealthStatus.Unhealthy), (HealthStatusChangeKind.Endpoint, "Ready", HealthStatus.Unhealthy)],
                recorded.Changes.Select(c => (c.Kind, c.Name, c.Status)));
        }
    }

    [Fact]
    public async Task TimeoutAnnouncedSlowly_LateResultPublishedMeanwhile_ListenersHearBothInOrder_LastWordIsTheCurrentStatus()
    {
        // The timeout's outcome is published first; while its log line is held up, the abandoned run returns and publishes
        // a newer one. Whoever announces, the news goes out in the order it was published.
        var time = new FakeTimeProvider();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var check = new DelegateCheck(async () =>
        {
            if (Interlocked.Increment(ref calls) == 2)
            {
                await release.Task; // ignores its token, as a stuck driver does
                return HealthCheckResult.Healthy("back");
            }

            return HealthCheckResult.Healthy("fine");
        });
        using var logs = new HoldingLogSink(entry => IsChangeOfDb(entry) && entry.Message.Contains("timed out", StringComparison.Ordinal));
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Logging.SetMinimumLevel(LogLevel.Trace);
                b.Logging.AddProvider(logs);
                b.Services.AddHealthKit(o =>
                {
                    o.Defaults.CacheTtl = TimeSpan.Zero;
                    o.Defaults.FailureCacheTtl = TimeSpan.Zero;
                }).AddCheck("db", check).AddHealthStatusListener<RecordingListener>();
            });
        var recorded = host.Services.GetServices<IHealthStatusListener>().OfType<RecordingListener>().Single();
        var slot = host.Services.GetRequiredService<HealthEngine>().Find("db")!;

        Assert.Equal(200, (await host.GetAsync("/health/checks/db")).StatusCode);
        var probe = host.GetAsync("/health/checks/db");
        await Eventually.True(() => Volatile.Read(ref calls) == 2);

        // Fake timers fire on the thread that advances the clock: that thread announces the timeout and is held there.
        var advancing = Task.Run(() => time.Advance(TimeSpan.FromSeconds(5)), TestContext.Current.CancellationToken);
        await Eventually.True(() => logs.Holding);
        Assert.Equal(HealthStatus.Unhealthy, slot.Last!.Status);

        release.SetResult();
        await Eventually.True(() => slot.Last!.Description == "back");
        await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(recorded.Of(HealthStatusChangeKind.Check), c => c.Description == "back");

        logs.Release();
        await advancing.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await probe.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await Eventually.True(() => recorded.Of(HealthStatusChangeKind.Check).Count() >= 2);
        await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);

        var changes = recorded.Of(HealthStatusChangeKind.Check).Select(c => (c.PreviousStatus, c.Status, c.Description)).ToArray();
        Assert.Equal([(HealthStatus.Healthy, HealthStatus.Unhealthy, "timed out"), (HealthStatus.Unhealthy, HealthStatus.Healthy, "back")], changes);
        var logged = logs.Entries.Where(IsChangeOfDb).Select(e => e.Message).ToArray();
        Assert.Equal(2, logged.Length);
        Assert.Contains("timed out", logged[0], StringComparison.Ordinal);
        Assert.Contains("back", logged[1], StringComparison.Ordinal);
    }

    private static bool IsChangeOfDb(HoldingLogSink.Entry entry) =>
        entry.EventId.Name == "HealthKitCheckStatusChanged" && entry.Message.StartsWith("Health check 'db' changed", StringComparison.Ordinal);

    /// <summary>Keeps log entries, and holds the thread that writes the first entry matching a condition until released.</summary>
    private sealed class HoldingLogSink(Func<HoldingLogSink.Entry, bool> hold) : ILoggerProvider
    {
        private readonly ManualResetEventSlim _released = new();
        private int _held;

        public System.Collections.Concurrent.ConcurrentQueue<Entry> Entries { get; } = new();

        public bool Holding => Volatile.Read(ref _held) == 1;

        public void Release() => _released.Set();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose() => _released.Set();

        private void Write(Entry entry)
        {
            if (hold(entry) && Interlocked.CompareExchange(ref _held, 1, 0) == 0)
            {
                _released.Wait(TimeSpan.FromSeconds(20));
            }

            Entries.Enqueue(entry);
        }

        internal sealed record Entry(EventId EventId, string Message);

        private sealed class Logger(HoldingLogSink sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Write(new Entry(eventId, formatter(state, exception)));
        }
    }

    /// <summary>A check that runs a delegate.</summary>
    private sealed class DelegateCheck(Func<Task<HealthCheckResult>> run) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => run();
    }

    private sealed class GatedListener : IHealthStatusListener
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly List<string> _heard = [];
        private volatile bool _entered;

        public bool Entered => _entered;

        public string[] Heard
        {
            get
            {
                lock (_heard)
                {
                    return [.. _heard];
                }
            }
        }

        public void Open() => _gate.TrySetResult();

        public async Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
        {
            _entered = true;
            await _gate.Task;
            lock (_heard)
            {
                _heard.Add(change.Name);
            }
        }
    }
}
