namespace HealthKit;

/// <summary>
/// Options of the error-rate check, bound from <c>HealthKit:Checks:&lt;name&gt;</c> (by default
/// <c>HealthKit:Checks:errors</c>).
/// </summary>
/// <remarks>
/// A failed request is one answered with a 5xx status, or one whose pipeline threw (unless the client went away). The
/// check has no tags by default, so it runs only on <c>/health</c>: errors often come from a dependency that every
/// instance shares, and taking instances out of rotation for it would take them all out.
/// </remarks>
public sealed class ErrorRateCheckOptions : HealthKitCheckOptions
{
    /// <summary>Initializes a new instance with no default tags.</summary>
    public ErrorRateCheckOptions()
    {
    }

    /// <summary>
    /// Gets or sets how far back the check looks. A latency check with the same window shares its recorder.
    /// </summary>
    /// <value>The default is 60 seconds, as for the latency check. It must be between 1 second and 1 hour, in whole seconds.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets how many requests the window must hold before the error rate is judged. With fewer the check reports
    /// Healthy and says so.
    /// </summary>
    /// <value>The default is 20.</value>
    public int MinimumSamples { get; set; } = 20;

    /// <summary>Gets the ceiling at or above which the check is Degraded.</summary>
    /// <value>The default is 5% of requests failing. It must not be higher than <see cref="Unhealthy"/>.</value>
    public ErrorRateThreshold Degraded { get; } = new() { MaximumErrorPercent = 5 };

    /// <summary>
    /// Gets the ceiling at or above which the check is Unhealthy (reported as <see cref="HealthKitCheckOptions.FailureStatus"/>).
    /// </summary>
    /// <value>The default is 25% of requests failing.</value>
    public ErrorRateThreshold Unhealthy { get; } = new() { MaximumErrorPercent = 25 };
}
