namespace HealthKit;

/// <summary>
/// Options for answers in <c>application/health+json</c> (draft-inadarei-api-health-check-06), bound from
/// <c>HealthKit:HealthJson</c>. An endpoint answers in that format only to a request whose <c>Accept</c> header asks
/// for it; every other request keeps the ordinary JSON.
/// </summary>
public sealed class HealthJsonOptions
{
    /// <summary>Gets or sets whether a request may ask for <c>application/health+json</c>.</summary>
    /// <value>The default is <see langword="true"/>. When off, such a request gets the ordinary JSON.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the <c>serviceId</c> field: which service answers, across its instances.</summary>
    /// <value>The default is <see langword="null"/>: the application's name (<c>IHostEnvironment.ApplicationName</c>).</value>
    public string? ServiceId { get; set; }

    /// <summary>Gets or sets the <c>version</c> field: the public version of the service.</summary>
    /// <value>
    /// The default is <see langword="null"/>: the entry assembly's informational version without its build metadata
    /// (<c>1.4.0</c> of <c>1.4.0+5f3c2e1</c>).
    /// </value>
    public string? Version { get; set; }

    /// <summary>Gets or sets the <c>releaseId</c> field: the internal release this instance runs.</summary>
    /// <value>
    /// The default is <see langword="null"/>: the entry assembly's whole informational version (<c>1.4.0+5f3c2e1</c>),
    /// or no field when it carries no build metadata.
    /// </value>
    public string? ReleaseId { get; set; }

    /// <summary>Gets or sets the <c>description</c> field: what the service is, for people.</summary>
    /// <value>The default is <see langword="null"/>: no field.</value>
    public string? Description { get; set; }

    /// <summary>
    /// Gets the measurement each check reports, keyed by check name (case-insensitive). A check without one is keyed by
    /// its name alone and has no <c>observedValue</c>.
    /// </summary>
    /// <value>
    /// HealthKit's own checks add theirs when they are registered: <c>AddDatabase</c> and <c>AddPostgres</c> report
    /// <c>responseTime</c> in ms from <c>roundTripMs</c>, <c>AddDiskSpace</c> reports <c>utilization</c> in percent of each
    /// path, and <c>AddResponseLatency</c> reports <c>responseTime</c> in ms from <c>p95Ms</c>.
    /// </value>
    public IDictionary<string, HealthJsonMeasurement> Measurements { get; } =
        new Dictionary<string, HealthJsonMeasurement>(StringComparer.OrdinalIgnoreCase);
}
