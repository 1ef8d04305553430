namespace HealthKit;

/// <summary>
/// How HealthKit takes the application out of rotation when the host stops.
/// </summary>
/// <remarks>
/// <para>
/// When the host begins stopping (SIGTERM, Ctrl+C, <c>StopApplication</c>), <c>/health/ready</c> reports Unhealthy
/// "shutting down" from the next request (after <see cref="ReadinessFailDelay"/>), while the server keeps accepting and
/// serving ordinary requests for <see cref="DrainDelay"/>. Only then does the host go on to stop the server, which stops
/// accepting connections and finishes the requests in flight. <c>/health/live</c> keeps passing throughout.
/// </para>
/// <para>
/// The whole shutdown, drain included, must fit in the host's <c>HostOptions.ShutdownTimeout</c> (30 seconds unless
/// changed), which in turn must be shorter than the pod's <c>terminationGracePeriodSeconds</c> (30 seconds unless
/// changed), or the kubelet kills the process before it finishes.
/// </para>
/// </remarks>
public sealed class HealthKitLifecycleOptions
{
    /// <summary>The drain delay used outside Development when <see cref="DrainDelay"/> is not set: 5 seconds.</summary>
    public static readonly TimeSpan DefaultDrainDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets how long the host's stop is held, with readiness failing and the server still serving, so that load
    /// balancers and ingresses notice before connections are refused.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: <see cref="DefaultDrainDelay"/> (5 seconds), or zero in the Development
    /// environment. It must be shorter than <c>HostOptions.ShutdownTimeout</c>.
    /// </value>
    public TimeSpan? DrainDelay { get; set; }

    /// <summary>
    /// Gets or sets how long readiness keeps passing after the host begins stopping. Use it only where a proxy keeps
    /// routing to endpoints that report not ready while terminating.
    /// </summary>
    /// <value>The default is zero: readiness fails at once. It must not exceed the drain delay.</value>
    public TimeSpan ReadinessFailDelay { get; set; } = TimeSpan.Zero;
}
