using System.Threading.Channels;
using HealthKit.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Listeners;

/// <summary>
/// Hands status changes to the registered <see cref="IHealthStatusListener"/>s: the engine and the endpoints queue a
/// change without waiting, and a loop started with the host delivers each change to each listener in turn, with a
/// timeout, containing whatever a listener does.
/// </summary>
/// <remarks>
/// The queue is bounded so that a stuck listener cannot hold memory without limit; when it is full, further changes are
/// dropped and that is logged once until the queue drains. On stop, changes already queued are still delivered until the
/// host's shutdown timeout runs out; this is how a listener hears that readiness failed at shutdown.
/// </remarks>
internal sealed class HealthStatusNotifier : IHostedService, IDisposable
{
    internal const int Capacity = 256;

    private readonly Channel<HealthStatusChange> _queue = Channel.CreateBounded<HealthStatusChange>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource _abort = new();
    private readonly IServiceProvider _services;
    private readonly IOptions<HealthKitOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly bool _enabled;
    private IHealthStatusListener[] _listeners = [];
    private Task? _loop;
    private int _full;
    private bool _stopped;

    public HealthStatusNotifier(IServiceProvider services, IOptions<HealthKitOptions> options, TimeProvider time, ILogger<HealthStatusNotifier> logger)
    {
        _services = services;
        _options = options;
        _time = time;
        _logger = logger;

        // Without a listener, a change costs nothing at all: nothing is queued.
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
    public void EndpointChanged(string endpoint, HealthStatus? previous, HealthStatus status)
    {
        if (_enabled)
        {
            Enqueue(new HealthStatusChange(HealthStatusChangeKind.Endpoint, endpoint, previous, status, description: null, _time.GetUtcNow()));
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
        if (_queue.Writer.TryWrite(change))
        {
            Volatile.Write(ref _full, 0);
        }
        else if (!Volatile.Read(ref _stopped) && Interlocked.Exchange(ref _full, 1) == 0)
        {
            Log.ListenerQueueFull(_logger, Capacity);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_enabled)
        {
            _listeners = [.. _services.GetServices<IHealthStatusListener>()];
            _loop = Task.Run(DeliverAllAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A change after this point comes too late to be delivered; it is not a full queue.
        Volatile.Write(ref _stopped, true);
        _queue.Writer.TryComplete();
        if (_loop is null)
        {
            return;
        }

        using (cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), _abort))
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task DeliverAllAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (reader.TryRead(out var change))
            {
                foreach (var listener in _listeners)
                {
                    await DeliverAsync(listener, change).ConfigureAwait(false);
                }
            }
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

    public void Dispose()
    {
        Volatile.Write(ref _stopped, true);

        // Not disposed: a delivery still in flight when the host is torn down without stopping may link to it.
        _queue.Writer.TryComplete();
        _abort.Cancel();
    }
}
