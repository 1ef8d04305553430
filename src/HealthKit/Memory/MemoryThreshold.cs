namespace HealthKit;

/// <summary>
/// A ceiling on the memory the process uses. Memory at or above either ceiling that is set crosses the threshold.
/// </summary>
public sealed class MemoryThreshold
{
    /// <summary>Gets or sets the ceiling in percent of the memory limit (above 0, at most 100), or <see langword="null"/>.</summary>
    public double? MaximumUsedPercent { get; set; }

    /// <summary>Gets or sets the ceiling in bytes, or <see langword="null"/> for no byte ceiling.</summary>
    public long? MaximumUsedBytes { get; set; }
}
