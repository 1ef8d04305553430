using System.Collections.Concurrent;
using HealthKit.Listeners;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Tests.Listeners;

/// <summary>
/// The notifier driven directly, without a host: changes before the start, a queue at exactly its capacity, merges, a
/// subject that changes again after it was delivered, and the loops ending on dispose.
/// </summary>
public sealed class HealthStatusNotifierTests : IDisposable
{
    private const int Capacity = HealthStatusNotifier.Capacity;
    private const int QueueFullEvent = 46;

    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly TestLogSink _log = new();
    private readonly LoggerFactory _loggers;

    public HealthStatusNotifierTests() => _loggers = new LoggerFactory([_log]);

    public void Dispose() => _loggers.Dispose();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private HealthStatusNotifier Create(IHealthStatusListener listener, Func<IServiceProvider, IServiceProvider>? wrap = null)
    {
        var services = new ServiceCollection().AddSingleton(listener).BuildServiceProvider();
        return new HealthStatusNotifier(
            wrap?.Invoke(services) ?? services, Options.Create(new HealthKitOptions()), TimeProvider.System, _loggers.CreateLogger<HealthStatusNotifier>());
    }

    private int QueueFullLogged => _log.ForEvent(QueueFullEvent, "HealthKitListenerQueueFull").Count();

    [Fact]
    public async Task ChangesBeforeTheStart_AreDeliveredInOrderOnceStarted_UpToOneQueue()
    {
        var listener = new RecordingListener();
        using var notifier = Create(listener);
        for (var i = 0; i < Capacity + 10; i++)
        {
            notifier.CheckChanged("c" + i, null, HealthStatus.Unhealthy, null, Now);
        }

        await notifier.StartAsync(Token);
        await notifier.StopAsync(Token);

        Assert.Equal(Enumerable.Range(0, Capacity).Select(i => "c" + i), listener.Changes.Select(c => c.Name));
    }

    [Fact]
    public async Task ContainerThatCannotTellWhetherAListenerIsRegistered_StillDelivers()
    {
        var listener = new RecordingListener();
        using var notifier = Create(listener, services => new PlainProvider(services));
        await notifier.StartAsync(Token);

        notifier.EndpointChanged("ready", HealthStatus.Healthy, HealthStatus.Unhealthy, Now);
        await notifier.StopAsync(Token);

        var change = Assert.Single(listener.Changes);
        Assert.Equal((HealthStatusChangeKind.Endpoint, "ready", HealthStatus.Unhealthy), (change.Kind, change.Name, change.Status));
    }

    [Fact]
    public async Task QueueAtExactlyItsCapacity_MergesAWaitingSubject_AndLogsOnce()
    {
        var listener = new GatedListener();
        using var notifier = Create(listener);
        await notifier.StartAsync(Token);
        await FillWhileHeld(notifier, listener, "hold", "c");

        notifier.CheckChanged("c0", HealthStatus.Unhealthy, HealthStatus.Degraded, "merged", Now);
        listener.Open("hold");
        await notifier.StopAsync(Token);

        Assert.Equal(1 + Capacity, listener.Changes.Count);
        var merged = Assert.Single(listener.Changes, c => c.Name == "c0");
        Assert.Equal((null, HealthStatus.Degraded, "merged"), (merged.PreviousStatus, merged.Status, merged.Description));
        Assert.Equal(1, QueueFullLogged);
    }

    [Fact]
    public async Task MergeBackToWhatTheListenerLastHeard_DropsTheWaitingChange()
    {
        var listener = new GatedListener();
        using var notifier = Create(listener);
        await notifier.StartAsync(Token);
        await FillWhileHeld(notifier, listener, "hold", "c");

        notifier.CheckChanged("c0", HealthStatus.Unhealthy, HealthStatus.Healthy, null, Now);
        listener.Open("hold");
        await notifier.StopAsync(Token);

        Assert.Equal(Capacity, listener.Changes.Count);
        Assert.DoesNotContain(listener.Changes, c => c.Name == "c0");
    }

    [Fact]
    public async Task SubjectBeingDelivered_ThatChangesAgainWhileTheQueueIsFull_IsDeliveredAgain()
    {
        var listener = new GatedListener();
        using var notifier = Create(listener);
        await notifier.StartAsync(Token);
        await FillWhileHeld(notifier, listener, "hold", "c");

        notifier.CheckChanged("hold", HealthStatus.Unhealthy, HealthStatus.Healthy, null, Now);
        listener.Open("hold");
        await notifier.StopAsync(Token);

        Assert.Equal(2 + Capacity, listener.Changes.Count);
        Assert.Equal(HealthStatus.Healthy, listener.Changes.Last(c => c.Name == "hold").Status);
    }

    [Fact]
    public async Task SubjectDroppedByAMergeBack_ThatChangesAgainWhileTheQueueIsFull_IsDelivered()
    {
        var listener = new GatedListener();
        using var notifier = Create(listener);
        await notifier.StartAsync(Token);
        await FillWhileHeld(notifier, listener, "hold", "c");
        notifier.CheckChanged("c0", HealthStatus.Unhealthy, HealthStatus.Healthy, null, Now);

        // Full again with another subject; c0 no longer waits, so its next change is queued, not merged into nothing.
        notifier.CheckChanged("x", null, HealthStatus.Unhealthy, null, Now);
        notifier.CheckChanged("c0", HealthStatus.Healthy, HealthStatus.Unhealthy, "again", Now);
        listener.Open("hold");
        await notifier.StopAsync(Token);

        var c0 = Assert.Single(listener.Changes, c => c.Name == "c0");
        Assert.Equal((HealthStatus.Healthy, HealthStatus.Unhealthy, "again"), (c0.PreviousStatus, c0.Status, c0.Description));
    }

    [Fact]
    public async Task SubjectDeliveredWhileALaterChangeOfItWaits_LaterChangesStillMergeIntoTheWaitingOne()
    {
        var listener = new GatedListener();
        using var notifier = Create(listener);
        await notifier.StartAsync(Token);
        listener.Hold("first");
        notifier.CheckChanged("first", null, HealthStatus.Unhealthy, null, Now);
        await listener.Entered("first").WaitAsync(TimeSpan.FromSeconds(10), Token);
        notifier.CheckChanged("s", null, HealthStatus.Unhealthy, null, Now);
        notifier.CheckChanged("s", HealthStatus.Unhealthy, HealthStatus.Degraded, null, Now);
        listener.Hold("s");
        listener.Open("first");
        await listener.Entered("s").WaitAsync(TimeSpan.FromSeconds(10), Token);

        // s's first change is being delivered and its second waits; the queue fills, and s goes back to Unhealthy.
        for (var i = 0; i < Capacity - 1; i++)
        {
            notifier.CheckChanged("c" + i, null, HealthStatus.Unhealthy, null, Now);
        }

        notifier.CheckChanged("s", HealthStatus.Degraded, HealthStatus.Unhealthy, null, Now);
        listener.Open("s");
        await notifier.StopAsync(Token);

        var s = Assert.Single(listener.Changes, c => c.Name == "s");
        Assert.Equal((null, HealthStatus.Unhealthy), (s.PreviousStatus, s.Status));
        Assert.Equal(1 + 1 + (Capacity - 1), listener.Changes.Count);
    }

    [Fact]
    public async Task QueueFilledAgainAfterItDrained_LogsAgain()
    {
        var listener = new GatedListener();
        using var notifier = Create(listener);
        await notifier.StartAsync(Token);
        await FillWhileHeld(notifier, listener, "first", "c");
        notifier.CheckChanged("c0", HealthStatus.Unhealthy, HealthStatus.Degraded, null, Now);
        listener.Open("first");
        await Eventually.True(() => listener.Changes.Count == 1 + Capacity);

        await FillWhileHeld(notifier, listener, "second", "d");
        notifier.CheckChanged("d0", HealthStatus.Unhealthy, HealthStatus.Degraded, null, Now);
        listener.Open("second");
        await notifier.StopAsync(Token);

        Assert.Equal(2 + (2 * Capacity), listener.Changes.Count);
        Assert.Equal(2, QueueFullLogged);
    }

    [Fact]
    public async Task Dispose_WithoutStop_CancelsTheDeliveryInFlight_AndEndsTheLoops()
    {
        var listener = new GatedListener();
        var notifier = Create(listener);
        await notifier.StartAsync(Token);
        listener.Hold("hold");
        notifier.CheckChanged("hold", null, HealthStatus.Unhealthy, null, Now);
        await listener.Entered("hold").WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.False(notifier.Completion.IsCompleted);

        notifier.Dispose();

        // Well inside the 30 s listener timeout, which would also end the delivery; the listener is never opened.
        await notifier.Completion.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Single(listener.Changes);
    }

    /// <summary>
    /// Holds the listener in the delivery of <paramref name="hold"/>, so that the queue is empty, then queues
    /// <see cref="Capacity"/> changes of other checks: the queue is exactly full.
    /// </summary>
    private static async Task FillWhileHeld(HealthStatusNotifier notifier, GatedListener listener, string hold, string prefix)
    {
        listener.Hold(hold);
        notifier.CheckChanged(hold, null, HealthStatus.Unhealthy, null, Now);
        await listener.Entered(hold).WaitAsync(TimeSpan.FromSeconds(10), Token);
        for (var i = 0; i < Capacity; i++)
        {
            notifier.CheckChanged(prefix + i, null, HealthStatus.Unhealthy, null, Now);
        }
    }

    /// <summary>Keeps every change; the delivery of a change whose name is held waits until it is opened or its token is cancelled.</summary>
    private sealed class GatedListener : IHealthStatusListener
    {
        private readonly ConcurrentDictionary<string, (TaskCompletionSource Entered, TaskCompletionSource Gate)> _holds = new();

        public ConcurrentQueue<HealthStatusChange> Changes { get; } = new();

        public void Hold(string name) => _holds[name] = (NewSource(), NewSource());

        public Task Entered(string name) => _holds[name].Entered.Task;

        public void Open(string name) => _holds[name].Gate.TrySetResult();

        public async Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
        {
            Changes.Enqueue(change);
            if (_holds.TryGetValue(change.Name, out var hold) && !hold.Entered.Task.IsCompleted)
            {
                hold.Entered.TrySetResult();
                await hold.Gate.Task.WaitAsync(cancellationToken);
            }
        }

        private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A container that resolves services but cannot say whether one is registered.</summary>
    private sealed class PlainProvider(IServiceProvider services) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IServiceProviderIsService) ? null : services.GetService(serviceType);
    }
}
