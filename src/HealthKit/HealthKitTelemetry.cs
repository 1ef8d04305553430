using HealthKit.Endpoints;
using HealthKit.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit;

/// <summary>
/// The names of HealthKit's meter and activity source, and a filter that keeps probe requests out of request traces.
/// </summary>
public static class HealthKitTelemetry
{
    /// <summary>The name of HealthKit's <c>Meter</c>: <c>HealthKit</c>. Pass it to OpenTelemetry's <c>AddMeter</c>.</summary>
    public const string MeterName = "HealthKit";

    /// <summary>
    /// The name of HealthKit's <c>ActivitySource</c>, which opens one span per check run: <c>HealthKit</c>. Pass it to
    /// OpenTelemetry's <c>AddSource</c>.
    /// </summary>
    public const string ActivitySourceName = "HealthKit";

    /// <summary>
    /// Returns whether <paramref name="context"/> is a request to one of HealthKit's endpoints, so that a tracing filter
    /// can drop probes: <c>AddAspNetCoreInstrumentation(o =&gt; o.Filter = context =&gt; !HealthKitTelemetry.IsHealthKitRequest(context))</c>.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <returns><see langword="true"/> for a request to an endpoint <c>MapHealthKit</c> mapped.</returns>
    /// <remarks>
    /// Tracing filters run when the request arrives, before routing has chosen an endpoint, so the request's path is
    /// compared with the paths <c>MapHealthKit</c> mapped (case-insensitively, a trailing <c>/</c> ignored, as routing
    /// does). After routing, the endpoint's metadata decides.
    /// </remarks>
    public static bool IsHealthKitRequest(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.GetEndpoint() is { } endpoint)
        {
            return endpoint.Metadata.GetMetadata<HealthKitEndpointMetadata>() is not null;
        }

        return context.RequestServices?.GetService<HealthKitMarkerService>() is { } marker
            && marker.IsMappedPath(context.Request.Path.Value);
    }
}
