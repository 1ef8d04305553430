using HealthKit.Endpoints;
using HealthKit.Engine;
using HealthKit.Internal;
using Microsoft.AspNetCore.Authorization;
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
    /// <exception cref="InvalidOperationException"><c>AddHealthKit</c> was not called, or the options are invalid.</exception>
    public static IEndpointConventionBuilder MapHealthKit(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return MapCore(endpoints, pathPrefix: null);
    }

    /// <summary>
    /// Maps HealthKit's endpoints under <paramref name="pathPrefix"/> instead of
    /// <see cref="HealthKitOptions.PathPrefix"/>.
    /// </summary>
    /// <param name="endpoints">The endpoint route builder, usually the <c>WebApplication</c>.</param>
    /// <param name="pathPrefix">The path prefix, such as <c>/healthz</c>; it must start with <c>/</c>.</param>
    /// <returns>A convention builder for all of HealthKit's endpoints.</returns>
    /// <exception cref="InvalidOperationException"><c>AddHealthKit</c> was not called, or the options are invalid.</exception>
    public static IEndpointConventionBuilder MapHealthKit(this IEndpointRouteBuilder endpoints, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pathPrefix);
        if (!HealthKitOptionsValidator.IsValidPathPrefix(pathPrefix))
        {
            throw new ArgumentException($"The path prefix '{pathPrefix}' must start with '/' and contain no '?', '#', '{{' or whitespace.", nameof(pathPrefix));
        }

        return MapCore(endpoints, pathPrefix);
    }

    private static RouteGroupBuilder MapCore(IEndpointRouteBuilder endpoints, string? pathPrefix)
    {
        var services = endpoints.ServiceProvider;
        if (services.GetService<HealthKitMarkerService>() is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Call 'builder.Services.AddHealthKit()' in Program.cs before calling 'app.MapHealthKit()'.");
        }

        var options = services.GetRequiredService<IOptions<HealthKitOptions>>().Value;
        var engine = services.GetRequiredService<HealthEngine>();
        var authorization = ResolveDetailsPolicy(services, options);
        var fullDetails = options.FullDetailsInDevelopment && services.GetService<IHostEnvironment>()?.IsDevelopment() == true;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("HealthKit.Endpoints");

        var group = endpoints.MapGroup(pathPrefix ?? options.PathPrefix);
        foreach (var endpoint in options.Endpoints.All)
        {
            if (!endpoint.Enabled)
            {
                continue;
            }

            var handler = new HealthEndpointHandler(engine, endpoint, fullDetails, authorization, logger);
            var path = endpoint.Path.Trim('/');
            group.MapMethods(path, GetAndHead, handler.InvokeAsync)
                .WithDisplayName("HealthKit " + endpoint.Key)
                .WithMetadata(HealthKitEndpointMetadata.Instance);

            if (endpoint == options.Endpoints.Health)
            {
                // One endpoint per check, under the aggregate endpoint and with its settings: /health/checks/{name}.
                group.MapMethods((path.Length == 0 ? string.Empty : path + "/") + "checks/{name}", GetAndHead, handler.InvokeCheckAsync)
                    .WithDisplayName("HealthKit check")
                    .WithMetadata(HealthKitEndpointMetadata.Instance);
            }
        }

        group.ExcludeFromDescription();
        return group;
    }

    private static IAuthorizationService? ResolveDetailsPolicy(IServiceProvider services, HealthKitOptions options)
    {
        if (string.IsNullOrEmpty(options.DetailsPolicy))
        {
            return null;
        }

        const string Key = HealthKitOptions.SectionName + ":" + nameof(HealthKitOptions.DetailsPolicy);
        var authorization = services.GetService<IAuthorizationService>()
            ?? throw new InvalidOperationException(
                $"'{Key}' is set to '{options.DetailsPolicy}', but authorization services are not registered. Call 'builder.Services.AddAuthorization(...)' and define that policy, or clear '{Key}'.");
        var policy = services.GetRequiredService<IAuthorizationPolicyProvider>().GetPolicyAsync(options.DetailsPolicy).GetAwaiter().GetResult();
        return policy is null
            ? throw new InvalidOperationException(
                $"'{Key}' names the authorization policy '{options.DetailsPolicy}', which is not defined. Define it with 'builder.Services.AddAuthorization(o => o.AddPolicy(\"{options.DetailsPolicy}\", ...))', or clear '{Key}'.")
            : authorization;
    }
}
