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
    /// <summary>How often a log line names the startup tasks that have not finished.</summary>
    internal static readonly TimeSpan PendingLogInterval = TimeSpan.FromSeconds(30);

    private readonly HealthKitAvailability _availability;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<LifecycleService> _logger;
    private readonly TimeSpan _drainDelay;
    private readonly TimeSpan _readinessFailDelay;
    private readonly TimeSpan _startupTimeout;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _drainGate = new();
    private CancellationTokenRegistration _onStopping;
    private Task _startupTasks = Task.CompletedTask;
    private Task? _drain;
    private RunningTask? _current;
    private long _startupBegan;
    private long _stoppingSince;
    private int _startupTasksCancelled;

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
        _startupTimeout = options.Value.Lifecycle.StartupTimeout;
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

        _startupTasks = Task.Run(RunStartupTasksAsync, CancellationToken.None);
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
        CancelStartupTasks();

        // The runner stops waiting as soon as its token is cancelled, whether or not the task itself honours it.
        await _startupTasks.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        // A task still running here has had the whole drain to stop. Waiting is right (it may be rolling back a
        // migration, and its scope's services are disposed after the host stops), but never silently.
        var current = Volatile.Read(ref _current);
        if (current is null || current.Run.IsCompleted)
        {
            return;
        }

        var name = current.State.Registration.Name;
        var sinceCancelled = _timeProvider.GetElapsedTime(Interlocked.Read(ref _stoppingSince));
        Log.StartupTaskBlocksShutdown(_logger, name, sinceCancelled.TotalMilliseconds);
        await current.Run.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!current.Run.IsCompleted)
        {
            Log.StartupTaskAbandoned(_logger, name);
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

        CancelStartupTasks();
    }

    /// <summary>
    /// Cancels the startup tasks' token when the host begins stopping, so that a task has the drain delay to stop before
    /// <see cref="StopAsync"/> waits for it.
    /// </summary>
    private void CancelStartupTasks()
    {
        if (Interlocked.Exchange(ref _startupTasksCancelled, 1) == 0)
        {
            Interlocked.Exchange(ref _stoppingSince, _timeProvider.GetTimestamp());

            // Asynchronously: the tasks' own cancellation callbacks must not run on the thread that signals shutdown.
            _ = _stopping.CancelAsync();
        }
    }

    private async Task RunStartupTasksAsync()
    {
        var stoppingToken = _stopping.Token;
        _startupBegan = _timeProvider.GetTimestamp();
        var pendingLog = _timeProvider.CreateTimer(
            static state => ((LifecycleService)state!).LogPending(), this, PendingLogInterval, PendingLogInterval);
        await using (pendingLog.ConfigureAwait(false))
        {
            foreach (var task in _availability.Tasks)
            {
                if (stoppingToken.IsCancellationRequested || !await RunAsync(task, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }

        var elapsed = _timeProvider.GetElapsedTime(_startupBegan);
        Log.Started(_logger, _availability.Tasks.Length, elapsed.TotalMilliseconds);
    }

    /// <summary>Runs one task within the startup timeout; returns whether it completed, so that the next may start.</summary>
    private async Task<bool> RunAsync(StartupTaskState task, CancellationToken stoppingToken)
    {
        var timeout = new CancellationTokenSource(_startupTimeout, _timeProvider);
        var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, timeout.Token);
        var token = linked.Token;
        _availability.OnTaskChanged(task, StartupTaskStatus.Running, exception: null);

        // On the thread pool: a task that blocks before its first await must not hold up the timeout or the shutdown.
        var run = Task.Run(() => RunInScopeAsync(task.Registration, linked, timeout), CancellationToken.None);
        Volatile.Write(ref _current, new RunningTask(task, run));
        try
        {
            // Waits on the token as well as the task: a task that ignores its token is left running, not waited for.
            await run.WaitAsync(token).ConfigureAwait(false);
            _availability.OnTaskChanged(task, StartupTaskStatus.Completed, exception: null);
            return true;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping; StopAsync waits for the task and names it if it does not stop.
            return false;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            task.TimedOutAfter = _startupTimeout;
            _availability.OnTaskChanged(task, StartupTaskStatus.TimedOut, exception: null);
            Log.StartupTaskTimedOut(_logger, task.Registration.Name, _startupTimeout.TotalMilliseconds);
            return false;
        }
#pragma warning disable CA1031 // A failed startup task is reported by the startup probe, which is what restarts the pod.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _availability.OnTaskChanged(task, StartupTaskStatus.Failed, ex);
            Log.StartupTaskFailed(_logger, ex, task.Registration.Name);
            return false;
        }
    }

    private async Task RunInScopeAsync(StartupTaskRegistration registration, CancellationTokenSource linked, CancellationTokenSource timeout)
    {
        // The sources live as long as the task, not as long as the wait: an abandoned task still holds the token.
        using (timeout)
        using (linked)
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                await registration.Run(scope.ServiceProvider, linked.Token).ConfigureAwait(false);
            }
        }
    }

    private void LogPending()
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        List<string>? unfinished = null;
        string? running = null;
        foreach (var task in _availability.Tasks)
        {
            var status = task.Status;
            if (status is StartupTaskStatus.Pending or StartupTaskStatus.Running)
            {
                (unfinished ??= []).Add(task.Registration.Name);
                running = status == StartupTaskStatus.Running ? task.Registration.Name : running;
            }
        }

        if (unfinished is not null)
        {
            var elapsed = _timeProvider.GetElapsedTime(_startupBegan);
            var names = string.Join(", ", unfinished);
            Log.StartupTasksPending(_logger, elapsed.TotalMilliseconds, names, running ?? "none");
        }
    }

    private sealed record RunningTask(StartupTaskState State, Task Run);
}
