namespace HealthKit.Grpc.Internal;

/// <summary>The rules of gRPC service names, shared by the startup validation and the map built from it.</summary>
internal static class GrpcServiceNames
{
    /// <summary>The reserved names and the endpoints they report. No check and no configured service may take them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Reserved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["liveness"] = nameof(HealthKitEndpointsOptions.Live),
        ["readiness"] = nameof(HealthKitEndpointsOptions.Ready),
        ["startup"] = nameof(HealthKitEndpointsOptions.Startup),
    };

    /// <summary>What an endpoint value may be, for messages.</summary>
    public const string EndpointKeys = "Health, Live, Ready or Startup";

    /// <summary>The endpoint named by <paramref name="key"/> (case-insensitive), or <see langword="null"/>.</summary>
    public static HealthEndpointOptions? Endpoint(HealthKitOptions options, string? key) =>
        options.Endpoints.All.FirstOrDefault(endpoint => string.Equals(endpoint.Key, key, StringComparison.OrdinalIgnoreCase));

    /// <summary>The configuration key of a configured service, as startup errors name it.</summary>
    public static string ServiceKey(string name) =>
        $"{HealthKitGrpcOptions.SectionName}:{nameof(HealthKitGrpcOptions.Services)}:{name}";

    /// <summary>The configuration key of <see cref="HealthKitGrpcOptions.ServerEndpoint"/>.</summary>
    public const string ServerEndpointKey = HealthKitGrpcOptions.SectionName + ":" + nameof(HealthKitGrpcOptions.ServerEndpoint);
}
