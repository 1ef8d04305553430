namespace HealthKit;

/// <summary>
/// When a check runs.
/// </summary>
public enum HealthCheckMode
{
    /// <summary>
    /// The check runs when a request needs it and its cached result has expired. Concurrent requests share one run.
    /// </summary>
    OnDemand = 0,

    /// <summary>
    /// The check runs on a timer in the background; requests only read its latest result and never call the dependency.
    /// Until the first run completes the check reports Unhealthy "no result yet".
    /// </summary>
    Background = 1,
}
