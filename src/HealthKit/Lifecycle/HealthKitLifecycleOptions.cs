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

    /// <summary>The longest <see cref="StartupTimeout"/> accepted: one day.</summary>
    internal static readonly TimeSpan MaxStartupTimeout = TimeSpan.FromDays(1);

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

    /// <summary>
    /// Gets or sets how long each startup task registered with <c>AddStartupTask</c> may run. A task that runs longer has
    /// its token cancelled and is reported by <c>/health/startup</c> and <c>/health/ready</c> as
    /// "startup task 'name' timed out after ..."; the tasks after it do not run, and startup does not complete.
    /// </summary>
    /// <value>
    /// The default is 10 minutes. It must be greater than zero and at most one day.
    /// </value>
    /// <remarks>
    /// <para>
    /// The default is generous on purpose: long enough for a schema migration or a cache warm-up that does real work, yet
    /// a task that hangs becomes a named failure and an Error log within one deployment, instead of an instance that
    /// never becomes ready and says nothing. Where a Kubernetes startup probe is configured, the kubelet restarts the pod
    /// when its own budget (<c>failureThreshold</c> × <c>periodSeconds</c>) runs out; set this timeout below that budget to
    /// see which task hung before the restart.
    /// </para>
    /// <para>
    /// The timeout applies to each task separately, and the tasks run one after another, so the whole startup can take up
    /// to this timeout times the number of tasks. A task that ignores its token keeps running after its timeout; the
    /// startup check reports it timed out regardless.
    /// </para>
    /// </remarks>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
