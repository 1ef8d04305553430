namespace HealthKit;

/// <summary>
/// Options of the memory check, bound from <c>HealthKit:Checks:&lt;name&gt;</c> (by default <c>HealthKit:Checks:memory</c>).
/// </summary>
public sealed class MemoryCheckOptions : HealthKitCheckOptions
{
    /// <summary>Initializes a new instance with the default tag <see cref="HealthKitTags.Ready"/>.</summary>
    public MemoryCheckOptions()
        : base(HealthKitTags.Ready)
    {
    }

    /// <summary>Gets the ceiling at or above which the check is Degraded.</summary>
    /// <value>
    /// The default is 85% of the limit: the garbage collector is working hard by then, and requests slow down. Each
    /// ceiling must not be higher than the same one in <see cref="Unhealthy"/>.
    /// </value>
    public MemoryThreshold Degraded { get; } = new() { MaximumUsedPercent = 85 };

    /// <summary>
    /// Gets the ceiling at or above which the check is Unhealthy (reported as <see cref="HealthKitCheckOptions.FailureStatus"/>).
    /// </summary>
    /// <value>
    /// The default is 95% of the limit: an allocation may soon fail with <see cref="OutOfMemoryException"/>, or the kernel
    /// may stop the process.
    /// </value>
    public MemoryThreshold Unhealthy { get; } = new() { MaximumUsedPercent = 95 };
}
