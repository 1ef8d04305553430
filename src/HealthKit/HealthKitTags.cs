namespace HealthKit;

/// <summary>
/// The tags that select which checks each HealthKit endpoint runs.
/// </summary>
/// <remarks>
/// <c>/health</c> runs every check. <c>/health/live</c>, <c>/health/ready</c> and <c>/health/startup</c> run only the
/// checks that carry the matching tag. Tags are compared case-insensitively, as in
/// Microsoft.Extensions.Diagnostics.HealthChecks.
/// </remarks>
public static class HealthKitTags
{
    /// <summary>
    /// The tag for checks that say "restart me": deadlock or unrecoverable state. Never put an external dependency here;
    /// a database outage would then restart every replica at once.
    /// </summary>
    public const string Live = "live";

    /// <summary>The tag for checks that decide whether the instance should receive traffic.</summary>
    public const string Ready = "ready";

    /// <summary>The tag for checks that must pass once before the platform starts liveness and readiness probing.</summary>
    public const string Startup = "startup";
}
