namespace HealthKit.Engine;

/// <summary>A check's <see cref="HealthCheckPolicy"/> with every default resolved.</summary>
/// <param name="Timeout">How long one run may take; never longer than the shortest deadline of an endpoint that runs it.</param>
/// <param name="CacheTtl">How long a Healthy result is reused.</param>
/// <param name="FailureCacheTtl">How long a Degraded or Unhealthy result is reused.</param>
/// <param name="Mode">On demand or in the background.</param>
/// <param name="Period">The period of background runs.</param>
/// <param name="UnhealthyAfterFailures">Damping by consecutive failures.</param>
/// <param name="UnhealthyAfterDuration">Damping by time spent failing.</param>
/// <param name="Fixed">A lifecycle check's fixed policy (<see cref="FixedPolicyCheck"/>): it runs on the request's thread.</param>
/// <param name="FollowsState">The result is reused exactly as long as the application's availability is unchanged.</param>
internal sealed record EffectivePolicy(
    TimeSpan Timeout,
    TimeSpan CacheTtl,
    TimeSpan FailureCacheTtl,
    HealthCheckMode Mode,
    TimeSpan Period,
    int? UnhealthyAfterFailures,
    TimeSpan? UnhealthyAfterDuration,
    bool Fixed = false,
    bool FollowsState = false)
{
    /// <summary>Whether the check runs; a disabled check is left out of every evaluation.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Whether the check's Unhealthy counts as Unhealthy in an aggregate; otherwise it counts as Degraded.</summary>
    public bool Critical { get; init; } = true;

    public bool Damped => UnhealthyAfterFailures > 1 || DampedByDuration;

    /// <summary>A positive <see cref="UnhealthyAfterDuration"/> is set.</summary>
    // Stryker disable once Equality : HealthKitOptionsValidator rejects a zero UnhealthyAfterDuration, so > and >= agree
    private bool DampedByDuration => UnhealthyAfterDuration > TimeSpan.Zero;

    /// <summary>A run that takes this long or longer is logged as slow.</summary>
    public TimeSpan SlowThreshold { get; init; }

    /// <summary>The age beyond which the latest result is reported as stale; <see langword="null"/>: none.</summary>
    public TimeSpan? MaxAge { get; init; }
}
