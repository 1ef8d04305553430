using Microsoft.Extensions.Logging;

namespace HealthKit.Grpc.Internal;

/// <summary>
/// The gRPC health service's log messages, IDs 130 to 139. Event IDs and names are a contract: alerts and dashboards
/// match on them. Status changes are logged by the core (events 1 and 4), not once per stream.
/// </summary>
internal static partial class Log
{
    public static class Events
    {
        public const int WatchStarted = 130;
        public const int WatchEnded = 131;
        public const int UnknownService = 132;
        public const int WatchesDraining = 133;
        public const int WatchesCompleting = 134;
    }

    [LoggerMessage(EventId = Events.WatchStarted, EventName = "HealthKitGrpcWatchStarted", Level = LogLevel.Debug,
        Message = "A gRPC Watch of service '{Service}' ({Target}) started; {Watches} open")]
    public static partial void WatchStarted(ILogger logger, string service, string target, int watches);

    [LoggerMessage(EventId = Events.WatchEnded, EventName = "HealthKitGrpcWatchEnded", Level = LogLevel.Debug,
        Message = "A gRPC Watch of service '{Service}' ended ({Reason}) after {Messages} messages; {Watches} open")]
    public static partial void WatchEnded(ILogger logger, string service, string reason, int messages, int watches);

    [LoggerMessage(EventId = Events.UnknownService, EventName = "HealthKitGrpcUnknownService", Level = LogLevel.Debug,
        Message = "A gRPC {Method} asked for the unknown service '{Service}'")]
    public static partial void UnknownService(ILogger logger, string method, string service);

    [LoggerMessage(EventId = Events.WatchesDraining, EventName = "HealthKitGrpcWatchesDraining", Level = LogLevel.Information,
        Message = "Readiness is failing for the shutdown: every gRPC Watch now reports NOT_SERVING ({Watches} open)")]
    public static partial void WatchesDraining(ILogger logger, int watches);

    [LoggerMessage(EventId = Events.WatchesCompleting, EventName = "HealthKitGrpcWatchesCompleting", Level = LogLevel.Information,
        Message = "The drain is over: completing {Watches} gRPC Watch streams before the server stops")]
    public static partial void WatchesCompleting(ILogger logger, int watches);
}
