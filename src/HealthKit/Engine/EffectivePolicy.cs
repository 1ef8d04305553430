namespace HealthKit.Engine;

/// <summary>A check's <see cref="HealthCheckPolicy"/> with every default resolved.</summary>
internal sealed record EffectivePolicy(
    TimeSpan Timeout,
    TimeSpan CacheTtl,
    TimeSpan FailureCacheTtl,
    HealthCheckMode Mode,
    TimeSpan Period,
    int? UnhealthyAfterFailures,
    TimeSpan? UnhealthyAfterDuration)
{
    public bool Damped => UnhealthyAfterFailures > 1 || UnhealthyAfterDuration > TimeSpan.Zero;
}
