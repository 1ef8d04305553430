namespace HealthKit.Lifecycle;

/// <summary>A task that must complete before the application reports started and ready.</summary>
internal sealed record StartupTaskRegistration(string Name, Func<IServiceProvider, CancellationToken, Task> Run);

internal enum StartupTaskStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    TimedOut,
}

/// <summary>The progress of one startup task; changed only under <see cref="HealthKitAvailability"/>'s lock.</summary>
internal sealed class StartupTaskState(StartupTaskRegistration registration)
{
    // Volatile because the startup check reads the status without the lock: a reader that sees TimedOut must also see
    // the timeout written before it.
    private volatile StartupTaskStatus _status = StartupTaskStatus.Pending;

    public StartupTaskRegistration Registration { get; } = registration;

    public StartupTaskStatus Status
    {
        get => _status;
        set => _status = value;
    }

    /// <summary>The exception type that failed the task; its message is never kept.</summary>
    public string? FailedWith { get; set; }

    /// <summary>The timeout the task exceeded; set before its status becomes <see cref="StartupTaskStatus.TimedOut"/>.</summary>
    public TimeSpan TimedOutAfter { get; set; }
}
