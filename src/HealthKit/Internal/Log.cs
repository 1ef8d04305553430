using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Internal;

/// <summary>
/// HealthKit's log messages. Event IDs and names are a contract: alerts and dashboards match on them.
/// </summary>
internal static partial class Log
{
    public static class Events
    {
        public const int CheckStatusChanged = 1;
        public const int CheckFailed = 2;
        public const int CheckTimedOut = 3;
        public const int EndpointStatusChanged = 4;
        public const int RequestAborted = 5;
        public const int BackgroundRunFailed = 6;
    }

    public const string Unknown = "Unknown";

    /// <summary>Status names indexed by <see cref="HealthStatus"/> value.</summary>
    public static readonly string[] StatusNames = [nameof(HealthStatus.Unhealthy), nameof(HealthStatus.Degraded), nameof(HealthStatus.Healthy)];

    public static LogLevel LevelFor(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => LogLevel.Information,
        HealthStatus.Degraded => LogLevel.Warning,
        _ => LogLevel.Error,
    };

    [LoggerMessage(EventId = Events.CheckStatusChanged, EventName = "HealthKitCheckStatusChanged",
        Message = "Health check '{Check}' changed from {PreviousStatus} to {Status}: {Description}")]
    public static partial void CheckStatusChanged(ILogger logger, LogLevel level, Exception? exception, string check, string previousStatus, HealthStatus status, string? description);

    [LoggerMessage(EventId = Events.CheckFailed, EventName = "HealthKitCheckFailed", Level = LogLevel.Debug,
        Message = "Health check '{Check}' threw and reports {Status}")]
    public static partial void CheckFailed(ILogger logger, Exception exception, string check, HealthStatus status);

    [LoggerMessage(EventId = Events.CheckTimedOut, EventName = "HealthKitCheckTimedOut", Level = LogLevel.Debug,
        Message = "Health check '{Check}' timed out after {ElapsedMilliseconds:0} ms")]
    public static partial void CheckTimedOut(ILogger logger, string check, double elapsedMilliseconds);

    [LoggerMessage(EventId = Events.EndpointStatusChanged, EventName = "HealthKitEndpointStatusChanged",
        Message = "Health endpoint '{Endpoint}' changed from {PreviousStatus} to {Status}")]
    public static partial void EndpointStatusChanged(ILogger logger, LogLevel level, string endpoint, string previousStatus, HealthStatus status);

    [LoggerMessage(EventId = Events.RequestAborted, EventName = "HealthKitRequestAborted", Level = LogLevel.Debug,
        Message = "Health request to '{Endpoint}' was aborted by the client")]
    public static partial void RequestAborted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = Events.BackgroundRunFailed, EventName = "HealthKitBackgroundRunFailed", Level = LogLevel.Error,
        Message = "The background loop of health check '{Check}' failed; it retries after its period")]
    public static partial void BackgroundRunFailed(ILogger logger, Exception exception, string check);
}
