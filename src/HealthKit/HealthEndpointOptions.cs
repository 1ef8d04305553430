using Microsoft.AspNetCore.Http;

namespace HealthKit;

/// <summary>
/// Options for one HealthKit endpoint.
/// </summary>
public sealed class HealthEndpointOptions
{
    private HealthDetailLevel _detailLevel;

    internal HealthEndpointOptions(string key, string path, string? tag, HealthDetailLevel detailLevel)
    {
        Key = key;
        Path = path;
        Tag = tag;
        _detailLevel = detailLevel;
    }

    internal string Key { get; }

    /// <summary>
    /// Gets or sets whether the endpoint is mapped.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets the endpoint's path below <see cref="HealthKitOptions.PathPrefix"/>.
    /// </summary>
    /// <value>
    /// The defaults are empty for the aggregate endpoint (so it answers on the prefix itself), and <c>live</c>,
    /// <c>ready</c> and <c>startup</c> for the probes.
    /// </value>
    public string Path { get; set; }

    /// <summary>
    /// Gets or sets the tag a check must carry to run on this endpoint; <see langword="null"/> or empty runs every check.
    /// </summary>
    /// <value>
    /// The defaults are <see langword="null"/> for <c>/health</c>, and <see cref="HealthKitTags.Live"/>,
    /// <see cref="HealthKitTags.Ready"/> and <see cref="HealthKitTags.Startup"/> for the probes.
    /// </value>
    public string? Tag { get; set; }

    /// <summary>
    /// Gets or sets whether the endpoint may start with a <see cref="Tag"/> that no registered check carries.
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: such a tag stops the application at startup, naming the key and the tags
    /// that exist, because an endpoint whose tag matches nothing answers Healthy however its dependencies are (a typo such
    /// as <c>raedy</c> would empty readiness). Set it to <see langword="true"/> only for an endpoint meant to run no check
    /// of its own yet, such as readiness in an application whose checks come later; the built-in lifecycle checks still
    /// run on it.
    /// </value>
    public bool AllowEmpty { get; set; }

    /// <summary>
    /// Gets or sets how much of the report the endpoint reveals to an anonymous caller.
    /// </summary>
    /// <value>
    /// The default is <see cref="HealthDetailLevel.Components"/> for <c>/health</c> and
    /// <see cref="HealthDetailLevel.Status"/> for the probes: safe on a public port, because neither reveals descriptions,
    /// data or exceptions. See <see cref="HealthKitOptions.DetailsPolicy"/> to raise it for authorized callers.
    /// </value>
    /// <remarks>
    /// While it keeps its default, <c>?verbose</c> raises an endpoint to <see cref="HealthDetailLevel.Components"/>
    /// (check names and statuses, as kube-apiserver's <c>/readyz?verbose</c> does). Once it is set, in code or in
    /// configuration, even to the default value, it is a ceiling that <c>?verbose</c> cannot lift; only
    /// <see cref="HealthKitOptions.DetailsPolicy"/> raises a caller above it.
    /// </remarks>
    public HealthDetailLevel DetailLevel
    {
        get => _detailLevel;
        set
        {
            _detailLevel = value;
            DetailLevelSet = true;
        }
    }

    /// <summary>
    /// Whether <see cref="DetailLevel"/> was set, in code or by configuration, rather than left at its default. The
    /// configuration binder calls every setter of a section it binds, with the getter's value when the key is absent, so
    /// <see cref="Internal.ConfigurationBinding.BindRoot"/> decides this for configuration from the keys themselves.
    /// </summary>
    internal bool DetailLevelSet { get; set; }

    /// <summary>Gets or sets the status code for a Healthy report.</summary>
    /// <value>The default is 200.</value>
    public int HealthyStatusCode { get; set; } = StatusCodes.Status200OK;

    /// <summary>Gets or sets the status code for a Degraded report.</summary>
    /// <value>
    /// The default is 200: a degraded instance still serves traffic. Set 503 on an endpoint whose callers must see it.
    /// </value>
    public int DegradedStatusCode { get; set; } = StatusCodes.Status200OK;

    /// <summary>Gets or sets the status code for an Unhealthy report.</summary>
    /// <value>The default is 503.</value>
    public int UnhealthyStatusCode { get; set; } = StatusCodes.Status503ServiceUnavailable;

    /// <summary>
    /// Gets or sets the longest time the endpoint takes to answer. A check that has not finished by then is reported as
    /// its failure status with the description "timed out"; the response never waits for it.
    /// </summary>
    /// <value>The default is 800 milliseconds, below the kubelet's default probe timeout of 1 second.</value>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMilliseconds(800);
}
