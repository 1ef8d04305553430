namespace HealthKit;

/// <summary>
/// Keeps the requests of a controller, an action or a minimal API handler out of the response latency check's window.
/// </summary>
/// <remarks>
/// Use it for endpoints whose requests are meant to last, such as long polls, streamed downloads or streamed
/// results: their duration measures the client's interest, not the application's speed. WebSocket requests and
/// <c>text/event-stream</c> responses are left out without it. To mark an endpoint when it is mapped, call
/// <see cref="LatencyEndpointConventionBuilderExtensions.ExcludeFromLatency{TBuilder}(TBuilder)"/>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = true)]
public sealed class ExcludeFromLatencyAttribute : Attribute
{
    // One instance serves every endpoint marked through the convention builder; the attribute holds no state.
    internal static readonly ExcludeFromLatencyAttribute Instance = new();
}
