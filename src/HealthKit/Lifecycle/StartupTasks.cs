namespace HealthKit;

/// <summary>A task that must complete before the application reports started and ready.</summary>
internal sealed record StartupTaskRegistration(string Name, Func<IServiceProvider, CancellationToken, Task> Run);

internal enum StartupTaskStatus
{
    Pending,
    Running,
    Completed,
    Failed,
}

/// <summary>The progress of one startup task; changed only under <see cref="HealthKitAvailability"/>'s lock.</summary>
internal sealed class StartupTaskState(StartupTaskRegistration registration)
{
    public StartupTaskRegistration Registration { get; } = registration;

    public StartupTaskStatus Status { get; set; } = StartupTaskStatus.Pending;

    /// <summary>The exception type that failed the task; its message is never kept.</summary>
    public string? FailedWith { get; set; }
}
