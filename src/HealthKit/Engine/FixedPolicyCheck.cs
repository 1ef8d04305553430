using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Engine;

/// <summary>
/// Declares that a registration is one of HealthKit's own lifecycle checks (<c>self</c>, <c>startup</c>,
/// <c>availability</c>), whose evaluation policy is fixed: it runs on demand on the request's thread, is never damped,
/// never runs in the background, and, when it follows the application's state, is never reused across a change of that
/// state. <see cref="HealthKitOptions.Defaults"/> does not apply to it, and a per-check override of it stops startup.
/// </summary>
/// <remarks>
/// The engine recognises the declaration by the registration instance, not by name, so a user check can never acquire
/// (or strip) this policy.
/// </remarks>
internal sealed class FixedPolicyCheck
{
    /// <summary>The timeout of a lifecycle check: they answer from memory, so anything longer means the process is stuck.</summary>
    internal static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(700);

    public FixedPolicyCheck(HealthCheckRegistration registration, bool followsState, TimeSpan cacheTtl, params string[] alwaysOnEndpoints)
    {
        Registration = registration;
        FollowsState = followsState;
        CacheTtl = cacheTtl;
        AlwaysOnEndpoints = alwaysOnEndpoints;
    }

    public HealthCheckRegistration Registration { get; }

    /// <summary>
    /// Whether the result follows <see cref="HealthKitAvailability"/>: it is reused exactly as long as the application's
    /// availability has not changed, so a change is seen by the first request after it.
    /// </summary>
    public bool FollowsState { get; }

    /// <summary>How long a result is reused when the check does not follow the application's state.</summary>
    public TimeSpan CacheTtl { get; }

    /// <summary>
    /// The endpoints (by <c>HealthKit:Endpoints:&lt;key&gt;</c>) that run this check whatever their <c>Tag</c> says, so
    /// that no endpoint setting can keep readiness passing through a shutdown.
    /// </summary>
    public string[] AlwaysOnEndpoints { get; }
}
