namespace HealthKit;

/// <summary>
/// Options of the response latency check, bound from <c>HealthKit:Checks:&lt;name&gt;</c> (by default
/// <c>HealthKit:Checks:latency</c>).
/// </summary>
/// <remarks>
/// The check has no tags by default, so it runs only on <c>/health</c>: taking an instance out of rotation because it is
/// slow moves its load onto the others and can make every instance slow.
/// </remarks>
public sealed class ResponseLatencyCheckOptions : HealthKitCheckOptions
{
    /// <summary>Initializes a new instance with no default tags.</summary>
    public ResponseLatencyCheckOptions()
    {
    }

    /// <summary>
    /// Gets or sets how far back the check looks.
    /// </summary>
    /// <value>The default is 60 seconds. It must be between 1 second and 1 hour, in whole seconds.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how many requests the window must hold before percentiles are judged. With fewer the check reports
    /// Healthy and says so.
    /// </summary>
    /// <value>The default is 20.</value>
    public int MinimumSamples { get; set; } = 20;

    /// <summary>Gets the limits above which the check is Degraded.</summary>
    /// <value>The default is a 95th percentile of 1 second. Each limit must not be higher than the same one in <see cref="Unhealthy"/>.</value>
    public LatencyThreshold Degraded { get; } = new() { P95 = TimeSpan.FromSeconds(1) };

    /// <summary>Gets the limits above which the check is Unhealthy (reported as <see cref="HealthKitCheckOptions.FailureStatus"/>).</summary>
    /// <value>The default is a 99th percentile of 5 seconds.</value>
    public LatencyThreshold Unhealthy { get; } = new() { P99 = TimeSpan.FromSeconds(5) };
}
