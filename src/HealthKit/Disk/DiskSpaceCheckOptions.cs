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
    /// <remarks>
    /// A relative path is relative to the content root (<c>IHostEnvironment.ContentRootPath</c>), or to the current
    /// directory when no host environment is registered. Every symbolic link on the way is followed, in parent
    /// directories too, and <c>..</c> after a link leaves the link's target, as the operating system does. A path that
    /// does not exist is reported with the failure status.
    /// </remarks>
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
