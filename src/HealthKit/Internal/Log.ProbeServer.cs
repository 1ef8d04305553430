using Microsoft.Extensions.Logging;

namespace HealthKit.Internal;

/// <summary>Log messages of the probe server (event IDs 140-149).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = ProbeServerEvents.ProbeServerStarted, EventName = "HealthKitProbeServerStarted", Level = LogLevel.Information,
        Message = "HealthKit probe server listening on {Addresses}")]
    public static partial void ProbeServerStarted(ILogger logger, string addresses);

    [LoggerMessage(EventId = ProbeServerEvents.ProbeServerStopped, EventName = "HealthKitProbeServerStopped", Level = LogLevel.Information,
        Message = "HealthKit probe server stopped")]
    public static partial void ProbeServerStopped(ILogger logger);

    [LoggerMessage(EventId = ProbeServerEvents.EndpointsMovedToProbeServer, EventName = "HealthKitEndpointsMovedToProbeServer", Level = LogLevel.Information,
        Message = "MapHealthKit maps HealthKit's endpoints under '{PathPrefix}' on the probe server (HealthKit:ProbeServer:Urls), not on the application's own listener, where those paths answer 404")]
    public static partial void EndpointsMovedToProbeServer(ILogger logger, string pathPrefix);

    /// <summary>Event IDs of this file: 140-149.</summary>
    public static class ProbeServerEvents
    {
        public const int ProbeServerStarted = 140;
        public const int ProbeServerStopped = 141;
        public const int EndpointsMovedToProbeServer = 142;
    }
}
