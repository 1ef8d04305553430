namespace HealthKit;

/// <summary>
/// Options of the disk space check, bound from <c>HealthKit:Checks:&lt;name&gt;</c> (by default <c>HealthKit:Checks:disk</c>).
/// </summary>
public sealed class DiskSpaceCheckOptions : HealthKitCheckOptions
{
    /// <summary>Initializes a new instance with the default tag <see cref="HealthKitTags.Ready"/>.</summary>
    public DiskSpaceCheckOptions()
        : base(HealthKitTags.Ready)
    {
    }

    /// <summary>
    /// Gets the paths to check. Each resolves to the file system it lives on, so a path inside a container volume reports
    /// that volume, not the root file system.
    /// </summary>
    /// <value>The default is empty, which checks the application's content root.</value>
    public IList<string> Paths { get; } = [];

    /// <summary>
    /// Gets the threshold below which a path is Degraded.
    /// </summary>
    /// <value>The default is 10% free. It must not be lower than <see cref="Unhealthy"/> in the same unit.</value>
    public DiskSpaceThreshold Degraded { get; } = new() { MinimumFreePercent = 10 };

    /// <summary>
    /// Gets the threshold below which a path is Unhealthy (reported as <see cref="HealthKitCheckOptions.FailureStatus"/>).
    /// </summary>
    /// <value>
    /// The default is 100 MiB free: below that, writing logs, temporary files and uploads starts failing.
    /// </value>
    public DiskSpaceThreshold Unhealthy { get; } = new() { MinimumFreeBytes = 100L * 1024 * 1024 };
}
