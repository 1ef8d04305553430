using HealthKit.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Lifecycle;

/// <summary>
/// Ties <see cref="HealthKitAvailability"/> to the host: marks it started, runs the startup tasks, fails readiness the
/// moment the host begins stopping, and holds the stop for the drain delay while the server keeps serving.
/// </summary>
internal sealed class LifecycleService : IHostedLifecycleService, IDisposable
{
    private readonly HealthKitAvailability _availability;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<LifecycleService> _logger;
    private readonly TimeSpan _drainDelay;
    private readonly TimeSpan _readinessFailDelay;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _drainGate = new();
    private CancellationTokenRegistration _onStopping;
    private Task _startupTasks = Task.CompletedTask;
    private Task? _drain;

    public LifecycleService(
        HealthKitAvailability availability,
        IHostApplicationLifetime lifetime,
        IServiceScopeFactory scopes,
        TimeProvider timeProvider,
        IOptions<HealthKitOptions> options,
        ILogger<LifecycleService> logger,
        IHostEnvironment? environment = null)
    {
        _availability = availability;
        _lifetime = lifetime;
        _scopes = scopes;
        _timeProvider = timeProvider;
        _logger = logger;
        _drainDelay = EffectiveDrainDelay(options.Value.Lifecycle, environment);
        _readinessFailDelay = options.Value.Lifecycle.ReadinessFailDelay;
    }

    internal static TimeSpan EffectiveDrainDelay(HealthKitLifecycleOptions options, IHostEnvironment? environment) =>
        options.DrainDelay ?? (environment?.IsDevelopment() == true ? TimeSpan.Zero : HealthKitLifecycleOptions.DefaultDrainDelay);

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        // A SIGTERM fires ApplicationStopping before the host calls StoppingAsync; readiness must fail from that moment.
        _onStopping = _lifetime.ApplicationStopping.Register(static state => ((LifecycleService)state!).BeginStopping(), this);
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _availability.OnHostStarted();
        if (_availability.Tasks.Length == 0)
        {
            Log.Started(_logger, 0, 0);
            return Task.CompletedTask;
        }

        _startupTasks = Task.Run(() => RunStartupTasksAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        BeginStopping();

        // A host can be stopped more than once (a test host is stopped, then disposed); drain only the first time.
        lock (_drainGate)
        {
            return _drain ??= DrainAsync(cancellationToken);
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_drainDelay <= TimeSpan.Zero)
        {
            return;
        }

        Log.DrainStarted(_logger, _drainDelay.TotalMilliseconds);
        try
        {
            await Task.Delay(_drainDelay, _timeProvider, cancellationToken).ConfigureAwait(false);
            Log.DrainCompleted(_logger);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout ran out; let the rest of the shutdown proceed.
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _startupTasks.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Cancels the startup tasks. The source is not disposed: a test host can call <see cref="StopAsync"/> again after the
    /// host has been disposed, and that must stay harmless.
    /// </summary>
    public void Dispose()
    {
        _onStopping.Dispose();
        _stopping.Cancel();
    }

    private void BeginStopping()
    {
        if (!_availability.IsStopping)
        {
            _availability.OnStopping(_readinessFailDelay);
            Log.ReadinessFailing(_logger);
        }
    }

    private async Task RunStartupTasksAsync(CancellationToken stoppingToken)
    {
        var started = _timeProvider.GetTimestamp();
        foreach (var task in _availability.Tasks)
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            _availability.OnTaskChanged(task, StartupTaskStatus.Running, exception: null);
            try
            {
                var scope = _scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    await task.Registration.Run(scope.ServiceProvider, stoppingToken).ConfigureAwait(false);
                }

                _availability.OnTaskChanged(task, StartupTaskStatus.Completed, exception: null);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed startup task is reported by the startup probe, which is what restarts the pod.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _availability.OnTaskChanged(task, StartupTaskStatus.Failed, ex);
                Log.StartupTaskFailed(_logger, ex, task.Registration.Name);
                return;
            }
        }

        var elapsed = _timeProvider.GetElapsedTime(started);
        Log.Started(_logger, _availability.Tasks.Length, elapsed.TotalMilliseconds);
    }
}
