namespace HealthKit;

/// <summary>
/// A minimum amount of free space. A path below either minimum that is set crosses the threshold.
/// </summary>
public sealed class DiskSpaceThreshold
{
    /// <summary>Gets or sets the minimum free bytes, or <see langword="null"/> for no byte limit.</summary>
    public long? MinimumFreeBytes { get; set; }

    /// <summary>Gets or sets the minimum free space in percent of the file system's size (0 to 100), or <see langword="null"/>.</summary>
    public double? MinimumFreePercent { get; set; }
}
