using System.Diagnostics;
using System.Globalization;
using HealthKit.Endpoints;
using HealthKit.Engine;
using HealthKit.Internal;
using HealthKit.ProbeServer;
using HealthKit.Redaction;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Maps HealthKit's endpoints.
/// </summary>
public static class HealthKitEndpointRouteBuilderExtensions
{
    private static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    /// <summary>
    /// Maps <c>/health</c> (every check), <c>/health/live</c>, <c>/health/ready</c>, <c>/health/startup</c> and
    /// <c>/health/checks/{name}</c> (one check) under <see cref="HealthKitOptions.PathPrefix"/>. GET and HEAD are answered;
    /// other methods get 405.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder, usually the <c>WebApplication</c>.</param>
    /// <returns>
    /// A convention builder for all of HealthKit's endpoints, so <c>RequireHost</c>, <c>RequireAuthorization</c> and
    /// the like apply to every one of them.
    /// </returns>
    /// <exception cref="InvalidOperationException">
    /// <c>AddHealthKit</c> was not called, the options are invalid, or HealthKit is already mapped at the same prefix on
    /// the same route builder (mapping it at two different prefixes is fine).
    /// </exception>
    /// <remarks>
    /// With the probe server on (<c>AddProbeServer</c>), nothing is mapped on <paramref name="endpoints"/>, where these
    /// paths then answer 404: the probe server serves the endpoints, at this prefix and with the conventions given to the
    /// returned builder.
    /// </remarks>
    public static IEndpointConventionBuilder MapHealthKit(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return MapCore(endpoints, pathPrefix: null, onProbeServer: false);
    }

    /// <summary>
    /// Maps HealthKit's endpoints under <paramref name="pathPrefix"/> instead of
    /// <see cref="HealthKitOptions.PathPrefix"/>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder, usually the <c>WebApplication</c>.</param>
    /// <param name="pathPrefix">
    /// The path prefix, such as <c>/healthz</c>. It must start with <c>/</c> and follow the rules of
    /// <see cref="HealthKitOptions.PathPrefix"/>: no empty segment, no trailing <c>/</c>, no <c>?</c>, <c>#</c>, braces
    /// or whitespace.
    /// </param>
    /// <returns>A convention builder for all of HealthKit's endpoints.</returns>
    /// <exception cref="ArgumentException"><paramref name="pathPrefix"/> breaks one of those rules.</exception>
    /// <exception cref="InvalidOperationException">
    /// <c>AddHealthKit</c> was not called, the options are invalid, or HealthKit is already mapped at the same prefix on
    /// the same route builder (mapping it at two different prefixes is fine).
    /// </exception>
    public static IEndpointConventionBuilder MapHealthKit(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pathPrefix);
        if (HealthKitOptionsValidator.PathPrefixProblem(pathPrefix) is { } problem)
        {
            throw new ArgumentException($"The path prefix '{Redactor.RedactText(pathPrefix)}' {problem}.", nameof(pathPrefix));
        }

        return MapCore(endpoints, pathPrefix, onProbeServer: false);
    }

    /// <summary>Maps the endpoints on the probe server's own route builder.</summary>
    internal static IEndpointConventionBuilder MapOnProbeServer(IEndpointRouteBuilder endpoints, string? pathPrefix) =>
        MapCore(endpoints, pathPrefix, onProbeServer: true);

    private static IEndpointConventionBuilder MapCore(IEndpointRouteBuilder endpoints, string? pathPrefix, bool onProbeServer)
    {
        var services = endpoints.ServiceProvider;
        if (services.GetService<HealthKitMarkerService>() is not { } marker)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Call 'builder.Services.AddHealthKit()' in Program.cs before calling 'app.MapHealthKit()'.");
        }

        var options = services.GetRequiredService<IOptions<HealthKitOptions>>().Value;
        var engine = services.GetRequiredService<HealthEngine>();
        var detailsPolicy = DetailsPolicy.Resolve(services, options);
        var fullDetails = options.FullDetailsInDevelopment && services.GetService<IHostEnvironment>()?.IsDevelopment() == true;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("HealthKit.Endpoints");

        var prefix = pathPrefix ?? options.PathPrefix;
        var origin = $"'{prefix}' ({(pathPrefix is null ? $"from {HealthKitOptions.SectionName}:{nameof(HealthKitOptions.PathPrefix)}" : "passed to MapHealthKit")}{CallSite()})";
        if (marker.TryAddMapping(endpoints.DataSources, prefix, origin) is { } first)
        {
            throw new InvalidOperationException(
                $"HealthKit is already mapped at {first}. Mapping it again at '{prefix}' would give two endpoints the same route, and every request to them would fail with 500 (AmbiguousMatchException). Remove one of the MapHealthKit calls, or map the second at another prefix: MapHealthKit(\"/other\").");
        }

        // With the probe server on, the application's listener gets nothing (its requests to these paths answer 404): the
        // probe server maps the endpoints when it starts, with the conventions given here.
        if (!onProbeServer && services.GetService<ProbeServerMappings>() is { } probeServer)
        {
            Log.EndpointsMovedToProbeServer(logger, prefix);
            return probeServer.Add(pathPrefix);
        }

        var group = endpoints.MapGroup(prefix);
        MapTelemetry(group, marker, options, prefix);
        foreach (var endpoint in options.Endpoints.All)
        {
            if (!endpoint.Enabled)
            {
                continue;
            }

            var handler = new HealthEndpointHandler(engine, endpoint, fullDetails, detailsPolicy, logger);
            var path = endpoint.Path.Trim('/');
            group.MapMethods(path, GetAndHead, handler.InvokeAsync)
                .WithDisplayName("HealthKit " + endpoint.Key)
                .WithMetadata(HealthKitEndpointMetadata.Instance);
            MapMethodNotAllowed(group, path);

            if (endpoint == options.Endpoints.Health)
            {
                // One endpoint per check, under the aggregate endpoint and with its settings: /health/checks/{name}.
                var checkPath = (path.Length == 0 ? string.Empty : path + "/") + "checks/{name}";
                group.MapMethods(checkPath, GetAndHead, handler.InvokeCheckAsync)
                    .WithDisplayName("HealthKit check")
                    .WithMetadata(HealthKitEndpointMetadata.Instance);
                MapMethodNotAllowed(group, checkPath);
            }
        }

        group.ExcludeFromDescription();

        // The application maps its other endpoints after this call, so they are compared once it has started.
        if (marker.TryWatchCollisions(endpoints.DataSources) && services.GetService<IHostApplicationLifetime>() is { } lifetime)
        {
            var dataSources = endpoints.DataSources;
            lifetime.ApplicationStarted.Register(() => EndpointCollisions.Warn(dataSources, logger));
        }

        return group;
    }

    /// <summary>
    /// Maps every other method on <paramref name="path"/> to HealthKit's own 405. Routing prefers an endpoint that names
    /// its methods, so GET and HEAD (and any method the application maps on the same path) still go where they did; its
    /// later order yields to any other endpoint on the path, such as an old <c>MapHealthChecks</c> on every method, which
    /// would otherwise tie with it and make every such request fail with 500 (AmbiguousMatchException).
    /// </summary>
    private static void MapMethodNotAllowed(RouteGroupBuilder group, string path) =>
        group.Map(path, HealthEndpointHandler.MethodNotAllowedAsync)
            .WithDisplayName("HealthKit method not allowed")
            .WithOrder(1)
            .WithMetadata(HealthKitEndpointMetadata.Instance);

    /// <summary>
    /// Keeps probes out of ASP.NET Core's <c>http.server.request.duration</c> unless
    /// <see cref="HealthKitOptions.RecordHttpMetrics"/> is on, and records the mapped paths for
    /// <see cref="HealthKitTelemetry.IsHealthKitRequest"/>, whose tracing filters run before routing.
    /// </summary>
    private static void MapTelemetry(RouteGroupBuilder group, HealthKitMarkerService marker, HealthKitOptions options, string prefix)
    {
        if (!options.RecordHttpMetrics)
        {
            group.DisableHttpMetrics();
        }

        var enabled = options.Endpoints.All.Where(endpoint => endpoint.Enabled).ToList();
        var paths = enabled.Select(endpoint => endpoint.Path.Trim('/')).Select(path => path.Length == 0 ? prefix : prefix.TrimEnd('/') + "/" + path);
        var checks = enabled.Where(endpoint => endpoint == options.Endpoints.Health).Select(endpoint => endpoint.Path.Trim('/'))
            .Select(path => prefix.TrimEnd('/') + (path.Length == 0 ? string.Empty : "/" + path) + "/checks/");
        marker.AddPaths(paths, checks);
    }

    /// <summary>The application code that called MapHealthKit, as ", mapped by Program.Main in Program.cs:line 12".</summary>
    private static string CallSite()
    {
        var own = typeof(HealthKitEndpointRouteBuilderExtensions).Assembly;
        foreach (var frame in new StackTrace(skipFrames: 1, fNeedFileInfo: true).GetFrames())
        {
            if (frame.GetMethod() is { DeclaringType: { } type } method && type.Assembly != own)
            {
                var file = frame.GetFileName() is { } path
                    ? string.Create(CultureInfo.InvariantCulture, $" in {Path.GetFileName(path)}:line {frame.GetFileLineNumber()}")
                    : string.Empty;
                return $", mapped by {type.FullName}.{method.Name}{file}";
            }
        }

        return string.Empty;
    }
}
