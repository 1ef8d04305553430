using HealthKit.Lifecycle;

namespace HealthKit;

/// <summary>
/// The application's availability as HealthKit's probes report it: whether it has started, whether it accepts traffic,
/// and whether it is stopping. Resolve it from dependency injection to take the application out of rotation at runtime,
/// for maintenance, and to put it back.
/// </summary>
/// <remarks>
/// <para>
/// <c>/health/startup</c> and <c>/health/ready</c> report Unhealthy "starting" until the host has started and every
/// startup task registered with <c>AddStartupTask</c> has completed. <c>/health/ready</c> reports Unhealthy
/// "not ready: &lt;reason&gt;" between <see cref="MarkNotReady"/> and <see cref="MarkReady"/>, and "shutting down" once
/// the host begins stopping. Liveness is never affected.
/// </para>
/// </remarks>
public sealed class HealthKitAvailability
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly StartupTaskState[] _tasks;
    private ITimer? _readinessTimer;
    private bool _hostStarted;
    private bool _stopping;
    private bool _readinessFailing;
    private string? _notReadyReason;
    private int _version;

    internal HealthKitAvailability(TimeProvider timeProvider, IEnumerable<StartupTaskRegistration> tasks)
    {
        _timeProvider = timeProvider;
        _tasks = [.. tasks.Select(task => new StartupTaskState(task))];
    }

    /// <summary>Gets whether the host has started and every startup task has completed.</summary>
    public bool IsStarted
    {
        get
        {
            lock (_gate)
            {
                return _hostStarted && Array.TrueForAll(_tasks, task => task.Status == StartupTaskStatus.Completed);
            }
        }
    }

    /// <summary>Gets whether the host has begun stopping.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping);

    /// <summary>Gets the reason given to <see cref="MarkNotReady"/>, or <see langword="null"/> when the application is ready.</summary>
    public string? NotReadyReason => Volatile.Read(ref _notReadyReason);

    /// <summary>
    /// Raised after anything the lifecycle checks report has changed, outside the lock, on the thread that changed it.
    /// </summary>
    internal event Action? Changed;

    /// <summary>A number that changes whenever anything the lifecycle checks report changes.</summary>
    internal int Version => Volatile.Read(ref _version);

    internal StartupTaskState[] Tasks => _tasks;

    internal bool HostStarted => Volatile.Read(ref _hostStarted);

    internal bool ReadinessFailing => Volatile.Read(ref _readinessFailing);

    /// <summary>
    /// Takes the application out of rotation: <c>/health/ready</c> reports Unhealthy with this reason until
    /// <see cref="MarkReady"/> is called. Liveness is not affected.
    /// </summary>
    /// <param name="reason">A short reason that is safe to show to callers at the Full detail level, such as "maintenance".</param>
    public void MarkNotReady(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Change(() => Volatile.Write(ref _notReadyReason, reason));
    }

    /// <summary>Puts the application back into rotation after <see cref="MarkNotReady"/>.</summary>
    public void MarkReady() => Change(() => Volatile.Write(ref _notReadyReason, null));

    internal void OnHostStarted() => Change(() => Volatile.Write(ref _hostStarted, true));

    /// <summary>Records that the host is stopping; readiness fails now, or after <paramref name="readinessFailDelay"/>.</summary>
    internal void OnStopping(TimeSpan readinessFailDelay)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            Volatile.Write(ref _stopping, true);
            if (readinessFailDelay <= TimeSpan.Zero)
            {
                Volatile.Write(ref _readinessFailing, true);
            }
            else
            {
                _readinessTimer = _timeProvider.CreateTimer(
                    static state => ((HealthKitAvailability)state!).FailReadiness(),
                    this,
                    readinessFailDelay,
                    Timeout.InfiniteTimeSpan);
            }

            Interlocked.Increment(ref _version);
        }

        Changed?.Invoke();
    }

    internal void OnTaskChanged(StartupTaskState task, StartupTaskStatus status, Exception? exception) =>
        Change(() =>
        {
            task.Status = status;
            task.FailedWith = exception?.GetType().Name;
        });

    private void Change(Action change)
    {
        lock (_gate)
        {
            change();
            Interlocked.Increment(ref _version);
        }

        Changed?.Invoke();
    }

    private void FailReadiness() => Change(() => Volatile.Write(ref _readinessFailing, true));
}
