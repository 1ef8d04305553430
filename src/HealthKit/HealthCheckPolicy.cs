namespace HealthKit;

/// <summary>
/// How HealthKit's engine evaluates one check: its timeout, how long its result is reused, whether it runs in the
/// background, and how many failures it takes to report Unhealthy.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="HealthKitOptions.Defaults"/> holds the values every check starts from;
/// <see cref="HealthKitOptions.Checks"/> overrides them per check name (configuration key
/// <c>HealthKit:Checks:&lt;name&gt;</c>). A <see langword="null"/> property in an override inherits the default.
/// </para>
/// <para>
/// Every property is live: when the configuration reloads, the new policy is validated with everything else and, if all
/// of it is valid, takes effect from the next request; a run already in flight finishes under the policy it started with.
/// </para>
/// <para>
/// Caching trades freshness for protection: with a time-to-live of 2 seconds, a failure is noticed up to 2 seconds
/// later, and a database sees at most one query per 2 seconds per instance however many probes arrive.
/// </para>
/// </remarks>
public sealed class HealthCheckPolicy
{
    /// <summary>
    /// Gets or sets how long one run of the check may take before it is reported as timed out and its token is cancelled.
    /// </summary>
    /// <value>
    /// In <see cref="HealthKitOptions.Defaults"/> the default is 700 milliseconds, below the default endpoint deadline of
    /// 800 milliseconds. When <see langword="null"/> in a per-check override, the registration's own
    /// <c>HealthCheckRegistration.Timeout</c> applies if it is finite, then the default. The effective value never
    /// exceeds the shortest endpoint deadline.
    /// </value>
    public TimeSpan? Timeout { get; set; }

    /// <summary>
    /// Gets or sets how long a Healthy result is reused before the check runs again.
    /// </summary>
    /// <value>
    /// In <see cref="HealthKitOptions.Defaults"/> the default is 2 seconds. <see cref="TimeSpan.Zero"/> turns caching off
    /// (concurrent requests still share one run). The built-in <c>self</c> and lifecycle checks default to zero.
    /// </value>
    public TimeSpan? CacheTtl { get; set; }

    /// <summary>
    /// Gets or sets how long a Degraded or Unhealthy result is reused before the check runs again.
    /// </summary>
    /// <value>
    /// In <see cref="HealthKitOptions.Defaults"/> the default is 1 second: short enough to notice recovery quickly, long
    /// enough that a struggling dependency is not hit by every probe. <see cref="TimeSpan.Zero"/> turns it off.
    /// </value>
    public TimeSpan? FailureCacheTtl { get; set; }

    /// <summary>
    /// Gets or sets whether the check runs on demand or in the background.
    /// </summary>
    /// <value>The default is <see cref="HealthCheckMode.OnDemand"/>.</value>
    public HealthCheckMode? Mode { get; set; }

    /// <summary>
    /// Gets or sets how often a <see cref="HealthCheckMode.Background"/> check runs. Each wait is shortened or
    /// lengthened by up to 10% at random, so replicas started together do not query a shared dependency in lockstep.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the registration's <c>HealthCheckRegistration.Period</c>
    /// (30 seconds unless the registration sets it).
    /// </value>
    public TimeSpan? Period { get; set; }

    /// <summary>
    /// Gets or sets how many consecutive failed runs it takes before the check reports Unhealthy. Runs before that
    /// report Degraded with the failure count. A run that is not Unhealthy resets the count.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no damping, the first failure is reported as it is.</value>
    public int? UnhealthyAfterFailures { get; set; }

    /// <summary>
    /// Gets or sets how long the check must keep failing before it reports Unhealthy. Until then failures report Degraded
    /// with the failure count. When both this and <see cref="UnhealthyAfterFailures"/> are set, whichever is reached
    /// first makes the check Unhealthy.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no damping by time.</value>
    public TimeSpan? UnhealthyAfterDuration { get; set; }

    /// <summary>
    /// Gets or sets how long a run may take before it is logged as slow: one Warning per slow run, naming the check and
    /// how long it took (event <c>HealthKitCheckSlow</c>). A run that times out is slow too.
    /// </summary>
    /// <value>The default is <see langword="null"/>: half the check's effective <see cref="Timeout"/>.</value>
    public TimeSpan? SlowThreshold { get; set; }

    /// <summary>
    /// Gets or sets the age beyond which the check's latest result is no longer believed: it is then reported as
    /// Unhealthy, <c>stale: last result … ago</c>, at that moment (a timer, not the next request), so listeners, the
    /// webhook, the log (once) and the gauges hear it. The next result replaces it.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: for a <see cref="HealthCheckMode.Background"/> check, three periods plus
    /// its timeout, so that two missed runs in a row are tolerated and a third is not; for an on-demand check, no maximum
    /// age (a request runs it again once its result is older than its time-to-live). The lifecycle checks are exempt.
    /// It must be longer than the timeout, and for a Background check longer than its period (with 10% jitter) plus its
    /// timeout, or startup stops naming the key.
    /// </value>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>
    /// Gets or sets whether the check runs at all. A disabled check is not run, and is left out of every report and every
    /// aggregate, as if it were not registered; <c>checks/&lt;name&gt;</c> answers an empty, Healthy report for it.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: enabled. It can be set per check only
    /// (<c>HealthKit:Checks:&lt;name&gt;:Enabled</c>), not in <see cref="HealthKitOptions.Defaults"/>, and not for the
    /// lifecycle checks.
    /// </value>
    /// <remarks>Live: a configuration reload turns a check off or on for the next request.</remarks>
    public bool? Enabled { get; set; }

    /// <summary>
    /// Gets or sets whether the check's Unhealthy fails the endpoints that run it. When <see langword="false"/>, an
    /// Unhealthy result counts as Degraded in every endpoint's aggregate (so the endpoint answers 200 by default), while
    /// the check's own entry still says Unhealthy.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: critical. It can be set per check only
    /// (<c>HealthKit:Checks:&lt;name&gt;:Critical</c>), not in <see cref="HealthKitOptions.Defaults"/>, and not for the
    /// lifecycle checks.
    /// </value>
    /// <remarks>
    /// Unlike leaving a check off an endpoint by its tag, a non-critical check still runs there, is still reported with its
    /// true status, and still makes the endpoint Degraded.
    /// </remarks>
    public bool? Critical { get; set; }

    internal static HealthCheckPolicy CreateDefaults() => new()
    {
        Timeout = TimeSpan.FromMilliseconds(700),
        CacheTtl = TimeSpan.FromSeconds(2),
        FailureCacheTtl = TimeSpan.FromSeconds(1),
        Mode = HealthCheckMode.OnDemand,
    };
}
