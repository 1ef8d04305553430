namespace HealthKit;

/// <summary>
/// Where the probe server that <c>AddProbeServer</c> starts listens, bound from <c>HealthKit:ProbeServer</c>.
/// </summary>
/// <remarks>
/// The probe server is a Kestrel server of its own, apart from any server the application runs. It serves HealthKit's
/// endpoints and whatever <c>MapOnProbeServer</c> adds; none of the application's own middleware applies there.
/// </remarks>
public sealed class ProbeServerOptions
{
    /// <summary>The address the probe server listens on when <see cref="Urls"/> is not set: <c>http://+:8081</c>.</summary>
    public const string DefaultUrls = "http://+:8081";

    /// <summary>
    /// Gets or sets the HTTP/1.1 addresses, separated by <c>;</c>, such as <c>http://+:8081</c> or
    /// <c>http://127.0.0.1:8081;http://[::1]:8081</c>. The host is <c>+</c>, <c>*</c> (every address), <c>localhost</c>
    /// or an IP address; port 0 takes a free port. Only plain <c>http</c> is served.
    /// </summary>
    /// <value>The default is <see cref="DefaultUrls"/>. Set it in configuration, not only in code, so that the self-probe
    /// (<c>healthcheck</c>) finds the port too.</value>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>
    /// Gets or sets the HTTP/2 cleartext (h2c) addresses, separated by <c>;</c>, for clients that speak HTTP/2 without TLS,
    /// such as gRPC health probes. Kestrel cannot serve HTTP/1.1 and cleartext HTTP/2 on one port, so these are other ports
    /// than <see cref="Urls"/>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no HTTP/2 listener.</value>
    public string? Http2Urls { get; set; }
}
