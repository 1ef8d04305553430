namespace HealthKit;

/// <summary>
/// A ceiling on the share of requests that fail.
/// </summary>
public sealed class ErrorRateThreshold
{
    /// <summary>
    /// Gets or sets the share of failed requests, in percent (above 0, at most 100), at or above which the threshold is
    /// crossed, or <see langword="null"/> for none.
    /// </summary>
    public double? MaximumErrorPercent { get; set; }
}
