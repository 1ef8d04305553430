using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace HealthKit.ProbeServer;

/// <summary>
/// What the probe server maps, besides HealthKit's endpoints at <c>HealthKit:PathPrefix</c>: the prefixes and conventions
/// of the application's own <c>MapHealthKit</c> calls, which map nothing on the application's listener while the probe
/// server is on, and the endpoints added with <c>MapOnProbeServer</c>.
/// </summary>
internal sealed class ProbeServerMappings
{
    private readonly Lock _gate = new();
    private readonly List<(string? Prefix, DeferredConventions Conventions)> _healthKit = [];

    /// <summary>Records a <c>MapHealthKit</c> call; its conventions apply to the probe server's endpoints.</summary>
    public IEndpointConventionBuilder Add(string? pathPrefix)
    {
        var conventions = new DeferredConventions();
        lock (_gate)
        {
            _healthKit.Add((pathPrefix, conventions));
        }

        return conventions;
    }

    /// <summary>The recorded calls; one at <c>HealthKit:PathPrefix</c> with no conventions when the application made none.</summary>
    public IReadOnlyList<(string? Prefix, DeferredConventions Conventions)> HealthKit()
    {
        lock (_gate)
        {
            return _healthKit.Count > 0 ? [.. _healthKit] : [(null, new DeferredConventions())];
        }
    }

    /// <summary>Conventions given to a <c>MapHealthKit</c> call, kept until the probe server maps the endpoints they are for.</summary>
    internal sealed class DeferredConventions : IEndpointConventionBuilder
    {
        private readonly List<Action<EndpointBuilder>> _conventions = [];
        private readonly List<Action<EndpointBuilder>> _finally = [];

        public void Add(Action<EndpointBuilder> convention) => _conventions.Add(convention);

        public void Finally(Action<EndpointBuilder> finallyConvention) => _finally.Add(finallyConvention);

        public void ApplyTo(IEndpointConventionBuilder target)
        {
            _conventions.ForEach(target.Add);
            _finally.ForEach(target.Finally);
        }
    }
}

/// <summary>Endpoints that <c>MapOnProbeServer</c> adds to the probe server.</summary>
/// <param name="Map">Maps them on the probe server's route builder.</param>
internal sealed record ProbeServerEndpoints(Action<IEndpointRouteBuilder> Map);
