using Grpc.Health.V1;

namespace HealthKit;

/// <summary>
/// Options of the gRPC health service that <c>MapHealthKitGrpc</c> maps, bound from the configuration section
/// <see cref="SectionName"/>.
/// </summary>
/// <remarks>
/// <para>
/// The service names <c>liveness</c>, <c>readiness</c> and <c>startup</c> always report the endpoints <c>Live</c>,
/// <c>Ready</c> and <c>Startup</c>, and no check may take those names. The empty name, the server as a whole, reports
/// <see cref="ServerEndpoint"/>. Every other name is looked up in <see cref="Services"/>, then among the checks of the
/// aggregate endpoint <c>/health</c>, case-insensitively, as <c>/health/checks/{name}</c> finds them.
/// </para>
/// </remarks>
public sealed class HealthKitGrpcOptions
{
    /// <summary>The configuration section the options are bound from: <c>HealthKit:Grpc</c>.</summary>
    public const string SectionName = HealthKitOptions.SectionName + ":" + SectionKey;

    internal const string SectionKey = "Grpc";

    /// <summary>
    /// Gets or sets the endpoint the empty service name (the server as a whole) reports: <c>Health</c>, <c>Live</c>,
    /// <c>Ready</c> or <c>Startup</c>.
    /// </summary>
    /// <value>The default is <c>Ready</c>: a gRPC client or load balancer asking about the server asks whether to send it traffic.</value>
    public string ServerEndpoint { get; set; } = "Ready";

    /// <summary>
    /// Gets the service names of the application's own choosing, each mapped to the endpoint it reports: <c>Health</c>,
    /// <c>Live</c>, <c>Ready</c> or <c>Startup</c>. Names are compared case-insensitively; none may be empty, a reserved
    /// name (<c>liveness</c>, <c>readiness</c>, <c>startup</c>) or the name of a registered check.
    /// </summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, string> Services { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets what a Degraded status is reported as: <see cref="HealthCheckResponse.Types.ServingStatus.Serving"/>
    /// or <see cref="HealthCheckResponse.Types.ServingStatus.NotServing"/>. Healthy is always SERVING and Unhealthy always
    /// NOT_SERVING.
    /// </summary>
    /// <value>
    /// The default is <see cref="HealthCheckResponse.Types.ServingStatus.Serving"/>: a degraded instance still serves, as
    /// the HTTP endpoints' default 200 for Degraded says.
    /// </value>
    public HealthCheckResponse.Types.ServingStatus DegradedStatus { get; set; } = HealthCheckResponse.Types.ServingStatus.Serving;
}
