namespace HealthKit;

/// <summary>
/// Percentile limits for response latency. Crossing any limit that is set crosses the threshold.
/// </summary>
public sealed class LatencyThreshold
{
    /// <summary>Gets or sets the limit for the median latency, or <see langword="null"/>.</summary>
    public TimeSpan? P50 { get; set; }

    /// <summary>Gets or sets the limit for the 95th percentile latency, or <see langword="null"/>.</summary>
    public TimeSpan? P95 { get; set; }

    /// <summary>Gets or sets the limit for the 99th percentile latency, or <see langword="null"/>.</summary>
    public TimeSpan? P99 { get; set; }
}
