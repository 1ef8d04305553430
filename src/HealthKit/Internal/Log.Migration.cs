using Microsoft.Extensions.Logging;

namespace HealthKit.Internal;

/// <summary>
/// Startup warnings about settings carried over from <c>MapHealthChecks</c> that HealthKit does not honour as they were
/// written (event IDs 80-89).
/// </summary>
internal static partial class Log
{
    public const int RegistrationTimeoutCappedEvent = 80;
    public const int EndpointCollisionEvent = 81;

    [LoggerMessage(EventId = RegistrationTimeoutCappedEvent, EventName = "HealthKitRegistrationTimeoutCapped", Level = LogLevel.Warning,
        Message = "Health check '{Check}' is registered with a timeout of {RegisteredTimeout}, but runs with {Timeout}: an on-demand check cannot outlast the deadline of endpoint '{Endpoint}', which runs it. Raise {DeadlineKey}, or set {ModeKey} to Background, whose runs may be longer than any deadline")]
    public static partial void RegistrationTimeoutCapped(ILogger logger, string check, TimeSpan registeredTimeout, TimeSpan timeout, string endpoint, string deadlineKey, string modeKey);

    [LoggerMessage(EventId = EndpointCollisionEvent, EventName = "HealthKitEndpointCollision", Level = LogLevel.Warning,
        Message = "Endpoint '{Endpoint}' (route '{Route}') is mapped on the path of HealthKit's endpoint '{HealthKitEndpoint}' (route '{HealthKitRoute}'). GET and HEAD go to HealthKit unless the other endpoint names them too (then they fail with 500); the other methods it accepts go to it. Remove the other mapping (MapHealthKit replaces MapHealthChecks), or move HealthKit with HealthKit:PathPrefix or MapHealthKit(\"/prefix\")")]
    public static partial void EndpointCollision(ILogger logger, string endpoint, string route, string healthKitEndpoint, string healthKitRoute);
}
