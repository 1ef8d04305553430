using Microsoft.AspNetCore.Builder;

namespace HealthKit;

/// <summary>
/// Marks endpoints whose requests the response latency check leaves out.
/// </summary>
public static class LatencyEndpointConventionBuilderExtensions
{
    /// <summary>
    /// Keeps the requests of these endpoints out of the response latency check's window, as
    /// <see cref="ExcludeFromLatencyAttribute"/> does for a controller or handler.
    /// </summary>
    /// <typeparam name="TBuilder">The type of the endpoint convention builder.</typeparam>
    /// <param name="builder">The builder of the endpoint, route group or controller actions to exclude.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// Use it for endpoints whose requests are meant to last, such as long polls, streamed downloads or streamed
    /// gRPC calls. WebSocket requests and <c>text/event-stream</c> responses are left out without it.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is <see langword="null"/>.</exception>
    public static TBuilder ExcludeFromLatency<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithMetadata(ExcludeFromLatencyAttribute.Instance);
    }
}
