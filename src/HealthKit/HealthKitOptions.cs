namespace HealthKit;

/// <summary>
/// Options for HealthKit's endpoints and evaluation engine, bound from the configuration section
/// <see cref="SectionName"/>.
/// </summary>
public sealed class HealthKitOptions
{
    /// <summary>The configuration section HealthKit binds: <c>HealthKit</c>.</summary>
    public const string SectionName = "HealthKit";

    /// <summary>
    /// Gets or sets the path under which <c>MapHealthKit</c> maps its endpoints.
    /// </summary>
    /// <value>The default is <c>/health</c>. It must start with <c>/</c>.</value>
    public string PathPrefix { get; set; } = "/health";

    /// <summary>Gets the options of the four endpoints.</summary>
    public HealthKitEndpointsOptions Endpoints { get; } = new();

    /// <summary>Gets the options for shutdown draining.</summary>
    public HealthKitLifecycleOptions Lifecycle { get; } = new();

    /// <summary>Gets the options of the HTML status page that browsers get from every endpoint.</summary>
    public HealthKitStatusPageOptions StatusPage { get; } = new();

    /// <summary>
    /// Gets the evaluation policy every check starts from.
    /// </summary>
    /// <value>Timeout 700 ms, cache 2 s for Healthy and 1 s otherwise, on demand, no damping.</value>
    public HealthCheckPolicy Defaults { get; } = HealthCheckPolicy.CreateDefaults();

    /// <summary>
    /// Gets the per-check overrides of <see cref="Defaults"/>, keyed by check name (case-insensitive). A name that matches
    /// no registered check stops the application at startup.
    /// </summary>
    public IDictionary<string, HealthCheckPolicy> Checks { get; } =
        new Dictionary<string, HealthCheckPolicy>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets how long HealthKit waits for one <see cref="IHealthStatusListener"/> call before it gives up on it.
    /// </summary>
    /// <value>The default is 30 seconds. It must be positive and at most 5 minutes.</value>
    public TimeSpan ListenerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the options of each check's status history, bound from <c>HealthKit:History</c>.</summary>
    public HealthKitHistoryOptions History { get; } = new();

    /// <summary>Gets the secret key words and patterns masked besides the built-in ones.</summary>
    public HealthKitRedactionOptions Redaction { get; } = new();

    /// <summary>
    /// Gets or sets how many dedicated threads check runs start on. Checks never run on the shared thread pool, so a check
    /// that blocks its thread cannot delay the endpoints, the lifecycle checks or the timers that end runs. When checks
    /// hold every one of these threads, further runs wait for one and end at their timeout; that is logged once
    /// (event 32) and counted by <c>healthkit.check.threads.waiting</c>.
    /// </summary>
    /// <value>
    /// The default is 16. It must be between 1 and 256. Threads are started only when runs need them, and end after 30
    /// seconds without work.
    /// </value>
    public int CheckThreads { get; set; } = 16;

    /// <summary>
    /// Gets the options of the probe server, bound from <c>HealthKit:ProbeServer</c>; in force only when
    /// <c>AddProbeServer</c> is called.
    /// </summary>
    public ProbeServerOptions ProbeServer { get; } = new();

    /// <summary>Gets the options of the webhook listener (see <see cref="HealthKitWebhookOptions"/>).</summary>
    public HealthKitWebhookOptions Webhook { get; } = new();

    /// <summary>
    /// Gets or sets the name of an authorization policy. A caller that satisfies it sees
    /// <see cref="AuthorizedDetailLevel"/> on every endpoint.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: no caller is elevated. The policy must exist, authorization services must
    /// be registered, and so must every authentication scheme the policy names, or the application stops at startup.
    /// </value>
    /// <remarks>
    /// The policy is evaluated as ASP.NET Core's authorization middleware evaluates an endpoint's: with
    /// <c>IPolicyEvaluator</c>, which authenticates the schemes the policy names (<c>AddAuthenticationSchemes</c>), then
    /// authorizes with the request's <c>HttpContext</c> as the resource, so resource-based requirements (an address
    /// allow-list, for example) can read the request. A caller who fails it gets the endpoint's own level: it is never
    /// challenged or forbidden, and the probe gets its answer. The request's <c>HttpContext.User</c> is left as it was.
    /// </remarks>
    public string? DetailsPolicy { get; set; }

    /// <summary>
    /// Gets or sets the detail level for callers that satisfy <see cref="DetailsPolicy"/>.
    /// </summary>
    /// <value>The default is <see cref="HealthDetailLevel.Full"/>.</value>
    public HealthDetailLevel AuthorizedDetailLevel { get; set; } = HealthDetailLevel.Full;

    /// <summary>
    /// Gets or sets whether every caller sees <see cref="HealthDetailLevel.Full"/> when the host environment is
    /// Development.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool FullDetailsInDevelopment { get; set; } = true;

    /// <summary>
    /// Gets or sets whether responses may contain exception messages, and descriptions that repeat them.
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: a check that throws, or returns a result carrying an exception, is
    /// described by a short, safe text such as "check threw InvalidOperationException". Exception messages routinely
    /// contain connection strings and host names; turn this on only where every caller is trusted.
    /// </value>
    public bool IncludeExceptionDetails { get; set; }

    /// <summary>
    /// Gets or sets whether HealthKit answers Microsoft's <c>HealthCheckService</c>: the service behind
    /// <c>MapHealthChecks</c>, <c>IHealthCheckPublisher</c>s and any code that resolves it.
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: the application's <c>HealthCheckService</c> is left as it was, so existing
    /// <c>MapHealthChecks</c> endpoints, publishers and other callers keep Microsoft's behaviour (every call runs the
    /// checks, with each registration's own timeout or none), and HealthKit answers only its own endpoints. Set it to
    /// <see langword="true"/> once the application has moved to HealthKit, so that every caller shares the endpoints'
    /// runs, cache, timeouts, damping, disabled checks and redaction, and no caller adds load on a dependency.
    /// </value>
    public bool ReplaceHealthCheckService { get; set; }

    /// <summary>Gets the options for answers in <c>application/health+json</c>, bound from <c>HealthKit:HealthJson</c>.</summary>
    public HealthJsonOptions HealthJson { get; } = new();

    /// <summary>
    /// Gets or sets whether requests to HealthKit's endpoints are recorded in ASP.NET Core's
    /// <c>http.server.request.duration</c> metric.
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: probes arrive every few seconds from every prober and would swamp the
    /// application's own request metrics. HealthKit's meter reports the checks themselves.
    /// </value>
    public bool RecordHttpMetrics { get; set; }
}
