using HealthKit.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Listeners;

/// <summary>
/// Hands status changes to the registered <see cref="IHealthStatusListener"/>s: the engine queues a change without
/// waiting, and each listener has a queue and a delivery loop of its own, started with the host, so that a slow listener
/// (a webhook retrying) never delays another. Each call has a timeout, and whatever a listener does is contained.
/// </summary>
/// <remarks>
/// <para>
/// Each queue holds <see cref="Capacity"/> changes in the order they happened. When it is full, a new change of a subject
/// (a check or an endpoint) that already waits in the queue is merged into the waiting one: the listener is told the
/// subject went from what it last heard to the latest state, and intermediate flaps are skipped. A change whose merge
/// ends where the listener last heard the subject is dropped. The latest state of every subject is always delivered, so
/// a listener's last word for a subject equals its current state once the queue drains; a queue never holds more than
/// <see cref="Capacity"/> changes plus one per subject.
/// </para>
/// <para>
/// On stop, changes already queued are still delivered until the host's shutdown timeout runs out; this is how a
/// listener hears that readiness failed at shutdown.
/// </para>
/// </remarks>
internal sealed class HealthStatusNotifier : IHostedService, IDisposable
{
    internal const int Capacity = 256;

    private readonly CancellationTokenSource _abort = new();
    private readonly IServiceProvider _services;
    private readonly IOptions<HealthKitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _enabled;
    private readonly Lock _gate = new();
    private List<HealthStatusChange>? _early = [];
    private ListenerQueue[] _queues = [];
    private Task? _loops;

    public HealthStatusNotifier(IServiceProvider services, IOptions<HealthKitOptions> options, TimeProvider time, ILogger<HealthStatusNotifier> logger)
    {
        _services = services;
        _options = options;
        _time = time;
        _logger = logger;

        // Without a listener, a change costs nothing at all: nothing is queued. A container that cannot tell is assumed to
        // have one.
        // Stryker disable once NullCoalescing : without the shortcut a change is queued for no listener, which costs work only
        _enabled = services.GetService<IServiceProviderIsService>()?.IsService(typeof(IHealthStatusListener)) ?? true;
    }

    /// <summary>Queues the change of a check's published status.</summary>
    public void CheckChanged(string name, HealthStatus? previous, HealthStatus status, string? description, DateTimeOffset changedAt)
    {
        if (_enabled)
        {
            Enqueue(new HealthStatusChange(HealthStatusChangeKind.Check, name, previous, status, description, changedAt));
        }
    }

    /// <summary>Queues the change of an endpoint's overall status.</summary>
    public void EndpointChanged(string endpoint, HealthStatus? previous, HealthStatus status, DateTimeOffset changedAt)
    {
        if (_enabled)
        {
            Enqueue(new HealthStatusChange(HealthStatusChangeKind.Endpoint, endpoint, previous, status, description: null, changedAt));
        }
    }

    /// <summary>
    /// Whether a change from <paramref name="previous"/> to <paramref name="status"/> is reported: any change of status,
    /// except a first result that is Healthy, which is how a check or an endpoint is expected to start.
    /// </summary>
    public static bool IsChange(HealthStatus? previous, HealthStatus status) =>
        previous != status && (previous is not null || status != HealthStatus.Healthy);

    private void Enqueue(HealthStatusChange change)
    {
        lock (_gate)
        {
            // Before the host starts, the listeners are not resolved yet (one may depend on what depends on HealthKit);
            // changes wait for them, up to one queue's worth.
            if (_early is { } early)
            {
                if (early.Count < Capacity)
                {
                    early.Add(change);
                }

                return;
            }
        }

        foreach (var queue in Volatile.Read(ref _queues))
        {
            queue.Add(change);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Stryker disable once Block : disabled means no listener is registered, so the start below would resolve none
        if (!_enabled)
        {
            return Task.CompletedTask;
        }

        ListenerQueue[] queues = [.. _services.GetServices<IHealthStatusListener>().Select(listener => new ListenerQueue(this, listener))];
        lock (_gate)
        {
            foreach (var change in _early!)
            {
                foreach (var queue in queues)
                {
                    queue.Add(change);
                }
            }

            _early = null;
            Volatile.Write(ref _queues, queues);
        }

        _loops = Task.WhenAll(queues.Select(queue => Task.Run(queue.DeliverAllAsync, CancellationToken.None)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A change after this point comes too late to be delivered: a completed queue takes no more.
        foreach (var queue in _queues)
        {
            queue.Complete();
        }

        if (_loops is null)
        {
            return;
        }

        using (cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _abort))
        {
            await _loops.ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync(IHealthStatusListener listener, HealthStatusChange change)
    {
        var timeout = _options.Value.ListenerTimeout;
        using var timer = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, _abort.Token);
        try
        {
            // WaitAsync stops the wait at the timeout even for a listener that never looks at its token.
            await (listener.OnStatusChangedAsync(change, linked.Token) ?? Task.CompletedTask).WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            if (timer.IsCancellationRequested)
            {
                Log.ListenerTimedOut(_logger, listener.GetType().Name, timeout.TotalMilliseconds, change.Kind, change.Name, change.Status);
            }
        }
#pragma warning disable CA1031 // A listener's failure is contained: logged, and the next change is delivered as usual.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Log.ListenerFailed(_logger, ex, listener.GetType().Name, change);
        }
    }

    /// <summary>The delivery loops: complete once every queue is completed and drained, or aborted.</summary>
    internal Task Completion => _loops ?? Task.CompletedTask;

    public void Dispose()
    {
        // Not disposed: a delivery still in flight when the host is torn down without stopping may link to it.
        foreach (var queue in _queues)
        {
            queue.Complete();
        }

        _abort.Cancel();
    }

    /// <summary>One listener's queue: changes in order, merged per subject once it is full.</summary>
    private sealed class ListenerQueue(HealthStatusNotifier notifier, IHealthStatusListener listener)
    {
        private readonly Lock _gate = new();
        private readonly LinkedList<HealthStatusChange> _pending = new();
        private readonly Dictionary<(HealthStatusChangeKind Kind, string Name), LinkedListNode<HealthStatusChange>> _latest = [];
        private TaskCompletionSource _signal = NewSignal();
        private bool _full;
        private bool _completed;

        public void Add(HealthStatusChange change)
        {
            TaskCompletionSource signal;
            var logFull = false;
            lock (_gate)
            {
                if (_completed)
                {
                    return;
                }

                var subject = (change.Kind, change.Name);
                if (_pending.Count >= Capacity && _latest.TryGetValue(subject, out var waiting))
                {
                    logFull = !_full;
                    _full = true;
                    Merge(subject, waiting, change);
                }
                else
                {
                    _latest[subject] = _pending.AddLast(change);
                }

                signal = _signal;
            }

            if (logFull)
            {
                Log.ListenerQueueFull(notifier._logger, Capacity, listener.GetType().Name);
            }

            signal.TrySetResult();
        }

        /// <summary>Replaces a waiting change by one from what it came from to where <paramref name="change"/> went.</summary>
        private void Merge((HealthStatusChangeKind, string) subject, LinkedListNode<HealthStatusChange> waiting, HealthStatusChange change)
        {
            var from = waiting.Value.PreviousStatus;
            if (IsChange(from, change.Status))
            {
                waiting.Value = new HealthStatusChange(change.Kind, change.Name, from, change.Status, change.Description, change.ChangedAt);
            }
            else
            {
                // Back where the listener last heard it: there is nothing to tell.
                _pending.Remove(waiting);
                _latest.Remove(subject);
            }
        }

        public void Complete()
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                _completed = true;
                signal = _signal;
            }

            signal.TrySetResult();
        }

        public async Task DeliverAllAsync()
        {
            while (true)
            {
                HealthStatusChange? change = null;
                Task wait;
                lock (_gate)
                {
                    if (_pending.First is { } first)
                    {
                        change = first.Value;
                        _pending.Remove(first);
                        var subject = (change.Kind, change.Name);
                        if (_latest.TryGetValue(subject, out var latest) && latest == first)
                        {
                            _latest.Remove(subject);
                        }

                        if (_pending.Count == 0)
                        {
                            _full = false;
                        }
                    }
                    else if (_completed)
                    {
                        return;
                    }

                    if (_signal.Task.IsCompleted)
                    {
                        _signal = NewSignal();
                    }

                    wait = _signal.Task;
                }

                if (change is null)
                {
                    await wait.ConfigureAwait(false);
                    continue;
                }

                await notifier.DeliverAsync(listener, change).ConfigureAwait(false);
            }
        }

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
