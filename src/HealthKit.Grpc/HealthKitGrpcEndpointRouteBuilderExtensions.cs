using HealthKit.Grpc.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit;

/// <summary>
/// Maps HealthKit's gRPC health service.
/// </summary>
public static class HealthKitGrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>grpc.health.v1.Health</c> (Check and Watch), answered by HealthKit's engine. gRPC needs HTTP/2; on
    /// cleartext, Kestrel cannot serve HTTP/1.1 and HTTP/2 on one port, so give the service a port of its own whose
    /// protocols are <c>Http2</c>, and restrict it to that port with <c>RequireHost</c>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder, usually the <c>WebApplication</c>.</param>
    /// <returns>The convention builder of the gRPC service, for <c>RequireHost</c>, <c>RequireAuthorization</c> and the like.</returns>
    /// <exception cref="InvalidOperationException"><c>AddHealthKitGrpc</c> was not called.</exception>
    public static GrpcServiceEndpointConventionBuilder MapHealthKitGrpc(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService<GrpcHealthMap>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Call 'builder.Services.AddHealthKit().AddHealthKitGrpc()' in Program.cs before calling 'app.MapHealthKitGrpc()'.");
        }

        return endpoints.MapGrpcService<GrpcHealthService>();
    }
}
