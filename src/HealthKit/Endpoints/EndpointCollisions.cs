using HealthKit.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;

namespace HealthKit.Endpoints;

/// <summary>
/// Finds the application's endpoints mapped on a path where HealthKit answers, such as a <c>MapHealthChecks("/health")</c>
/// left in place, and warns about each once.
/// </summary>
/// <remarks>
/// Two routes collide when they have as many segments and each segment of the other route is the same literal as
/// HealthKit's (case-insensitive), or a literal where HealthKit has its <c>{name}</c> parameter. A route with parameters
/// or a catch-all of its own, such as a fallback, yields to HealthKit's literal paths by routing's precedence and is not
/// reported.
/// </remarks>
internal static class EndpointCollisions
{
    public static void Warn(IEnumerable<EndpointDataSource> dataSources, ILogger logger)
    {
        var endpoints = dataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>().ToList();
        var ours = endpoints
            .Where(endpoint => endpoint.Metadata.GetMetadata<HealthKitEndpointMetadata>() is not null && endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
            .ToList();
        foreach (var other in endpoints)
        {
            if (other.Metadata.GetMetadata<HealthKitEndpointMetadata>() is not null)
            {
                continue;
            }

            if (ours.FirstOrDefault(endpoint => Collide(other.RoutePattern, endpoint.RoutePattern)) is { } hit)
            {
                Log.EndpointCollision(logger, other.DisplayName ?? Route(other), Route(other), hit.DisplayName ?? Route(hit), Route(hit));
            }
        }
    }

    internal static bool Collide(RoutePattern other, RoutePattern ours)
    {
        if (other.PathSegments.Count != ours.PathSegments.Count)
        {
            return false;
        }

        for (var i = 0; i < other.PathSegments.Count; i++)
        {
            var mine = other.PathSegments[i];
            var theirs = ours.PathSegments[i];
            if (!mine.IsSimple || !theirs.IsSimple || mine.Parts[0] is not RoutePatternLiteralPart literal)
            {
                return false;
            }

            var matches = theirs.Parts[0] switch
            {
                RoutePatternLiteralPart own => string.Equals(literal.Content, own.Content, StringComparison.OrdinalIgnoreCase),
                RoutePatternParameterPart parameter => !parameter.IsCatchAll,
                _ => false,
            };
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The route as routing matches it: a group's prefix joined to an empty path leaves no trailing '/'.</summary>
    private static string Route(RouteEndpoint endpoint) =>
        "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(Describe))));

    private static string Describe(RoutePatternPart part) => part switch
    {
        RoutePatternLiteralPart literal => literal.Content,
        RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
        RoutePatternSeparatorPart separator => separator.Content,
        _ => string.Empty,
    };
}
