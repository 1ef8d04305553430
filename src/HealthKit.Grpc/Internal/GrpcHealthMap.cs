using HealthKit.Engine;
using Microsoft.Extensions.Options;

namespace HealthKit.Grpc.Internal;

/// <summary>
/// Finds what a gRPC service name reports: the empty name, a reserved name or a configured one (an endpoint), else a
/// check of the aggregate endpoint, case-insensitively, as <c>/health/checks/{name}</c> finds it.
/// </summary>
internal sealed class GrpcHealthMap
{
    private readonly Dictionary<string, GrpcTarget> _services = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, GrpcTarget> _checks = new(StringComparer.OrdinalIgnoreCase);

    public GrpcHealthMap(HealthEngine engine, IOptions<HealthKitGrpcOptions> options)
    {
        var grpc = options.Value;
        var healthKit = engine.Options;

        // An endpoint that is disabled has no HTTP answer and no maintained status, so no service reports it; the
        // validation has already refused a configured name that maps to one.
        void Add(string service, string endpointKey)
        {
            if (GrpcServiceNames.Endpoint(healthKit, endpointKey) is { Enabled: true } endpoint)
            {
                _services[service] = new GrpcTarget(endpoint.Key, engine.SlotsFor(endpoint), endpoint.Deadline, endpoint.Key);
            }
        }

        Add(string.Empty, grpc.ServerEndpoint);
        foreach (var (service, endpoint) in GrpcServiceNames.Reserved)
        {
            Add(service, endpoint);
        }

        foreach (var (service, endpoint) in grpc.Services)
        {
            Add(service, endpoint);
        }

        var health = healthKit.Endpoints.Health;
        if (health.Enabled)
        {
            foreach (var slot in engine.SlotsFor(health))
            {
                _checks[slot.Name] = new GrpcTarget($"check '{slot.Name}'", [slot], health.Deadline, EndpointKey: null);
            }
        }

        DegradedStatus = grpc.DegradedStatus;
    }

    public global::Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus DegradedStatus { get; }

    /// <summary>The target of <paramref name="service"/>, or <see langword="null"/> when no service or check has that name.</summary>
    public GrpcTarget? Find(string service)
    {
        if (_services.TryGetValue(service, out var target))
        {
            return target;
        }

        // The same bound as the HTTP per-check path: a longer name is no check's.
        return service.Length <= CheckNames.MaxLength ? _checks.GetValueOrDefault(service) : null;
    }
}
