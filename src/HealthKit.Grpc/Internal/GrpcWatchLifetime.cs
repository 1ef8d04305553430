using HealthKit.Engine;
using HealthKit.Lifecycle;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Grpc.Internal;

/// <summary>
/// When Watch streams stop following their service and when they end. They report NOT_SERVING from the moment readiness
/// fails for the shutdown (after <see cref="HealthKitLifecycleOptions.ReadinessFailDelay"/>), and complete when the drain
/// delay is over, as the host goes on to stop the server: the server waits for open streams before it stops, so a stream
/// left open would hold the shutdown until the host's timeout.
/// </summary>
internal sealed class GrpcWatchLifetime : IHostedService, IDisposable
{
    private readonly HealthKitAvailability _availability;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _drainDelay;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _draining = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _completing = new();
    private readonly Lock _gate = new();
    private CancellationTokenRegistration _onStopping;
    private ITimer? _completeTimer;
    private int _watches;
    private bool _subscribed;

    public GrpcWatchLifetime(
        HealthEngine engine,
        IOptions<HealthKitOptions> options,
        ILogger<GrpcWatchLifetime> logger,
        IHostApplicationLifetime? lifetime = null,
        IHostEnvironment? environment = null)
    {
        _availability = engine.Availability;
        _timeProvider = engine.TimeProvider;
        _lifetime = lifetime;
        _logger = logger;
        _drainDelay = LifecycleService.EffectiveDrainDelay(options.Value.Lifecycle, environment);
    }

    /// <summary>Whether Watch streams report NOT_SERVING whatever their service's status.</summary>
    public bool IsDraining => _draining.Task.IsCompleted;

    /// <summary>Completes when <see cref="IsDraining"/> becomes true.</summary>
    public Task Draining => _draining.Task;

    /// <summary>Cancelled when Watch streams must end.</summary>
    public CancellationToken Completing => _completing.Token;

    /// <summary>How many Watch streams are open.</summary>
    public int Watches => Volatile.Read(ref _watches);

    public int WatchOpened() => Interlocked.Increment(ref _watches);

    public int WatchClosed() => Interlocked.Decrement(ref _watches);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_subscribed)
            {
                _subscribed = true;
                _availability.Changed += OnAvailabilityChanged;
                if (_lifetime is not null)
                {
                    _onStopping = _lifetime.ApplicationStopping.Register(static state => ((GrpcWatchLifetime)state!).OnStopping(), this);
                }
            }
        }

        OnAvailabilityChanged();
        return Task.CompletedTask;
    }

    /// <summary>At the latest, streams end when the host stops this service.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Complete();
        return Task.CompletedTask;
    }

    private void OnAvailabilityChanged()
    {
        if (_availability.ReadinessFailing)
        {
            Drain();
        }
    }

    private void OnStopping()
    {
        lock (_gate)
        {
            if (_completeTimer is not null || _completing.IsCancellationRequested)
            {
                return;
            }

            if (_drainDelay > TimeSpan.Zero)
            {
                _completeTimer = _timeProvider.CreateTimer(static state => ((GrpcWatchLifetime)state!).Complete(), this, _drainDelay, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        Complete();
    }

    private void Drain()
    {
        if (_draining.TrySetResult())
        {
            Log.WatchesDraining(_logger, Watches);
        }
    }

    private void Complete()
    {
        Drain();
        lock (_gate)
        {
            if (_completing.IsCancellationRequested)
            {
                return;
            }

            Log.WatchesCompleting(_logger, Watches);

            // Callbacks run on the thread pool, not on the host's stopping thread.
            _ = _completing.CancelAsync();
        }
    }

    public void Dispose()
    {
        _availability.Changed -= OnAvailabilityChanged;
        _onStopping.Dispose();
        _completeTimer?.Dispose();
        Complete();
    }
}
