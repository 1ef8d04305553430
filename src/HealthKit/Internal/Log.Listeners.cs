using HealthKit.Redaction;
using Microsoft.Extensions.Logging;

namespace HealthKit.Internal;

/// <summary>Log messages of the publishers and the status-change listeners (event IDs 40-49).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = Events.PublisherFailed, EventName = "HealthKitPublisherFailed", Level = LogLevel.Error,
        Message = "Health check publisher {Publisher} failed; further failures are not logged until it succeeds again")]
    private static partial void PublisherFailedCore(ILogger logger, Exception exception, string publisher);

    public static void PublisherFailed(ILogger logger, Exception exception, string publisher)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            PublisherFailedCore(logger, Redactor.ForLogging(exception), publisher);
        }
    }

    [LoggerMessage(EventId = Events.PublisherTimedOut, EventName = "HealthKitPublisherTimedOut", Level = LogLevel.Error,
        Message = "Health check publisher {Publisher} did not finish within HealthCheckPublisherOptions.Timeout ({TimeoutMilliseconds:0} ms); it is not called again until it returns, and further failures are not logged until it succeeds again")]
    public static partial void PublisherTimedOut(ILogger logger, string publisher, double timeoutMilliseconds);

    [LoggerMessage(EventId = Events.PublisherRecovered, EventName = "HealthKitPublisherRecovered", Level = LogLevel.Information,
        Message = "Health check publisher {Publisher} succeeded again after {Failures} failed or skipped reports")]
    public static partial void PublisherRecovered(ILogger logger, string publisher, int failures);

    [LoggerMessage(EventId = Events.PublisherStillRunning, EventName = "HealthKitPublisherStillRunning", Level = LogLevel.Debug,
        Message = "Health check publisher {Publisher} has not returned from an earlier report; this report is skipped for it")]
    public static partial void PublisherStillRunning(ILogger logger, string publisher);

    [LoggerMessage(EventId = Events.ListenerFailed, EventName = "HealthKitListenerFailed", Level = LogLevel.Warning,
        Message = "Health status listener {Listener} failed on the change of {Kind} '{Name}' to {Status}")]
    private static partial void ListenerFailedCore(ILogger logger, Exception exception, string listener, HealthStatusChangeKind kind, string name, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status);

    public static void ListenerFailed(ILogger logger, Exception exception, string listener, HealthStatusChange change)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            ListenerFailedCore(logger, Redactor.ForLogging(exception), listener, change.Kind, change.Name, change.Status);
        }
    }

    [LoggerMessage(EventId = Events.ListenerTimedOut, EventName = "HealthKitListenerTimedOut", Level = LogLevel.Warning,
        Message = "Health status listener {Listener} did not finish within {TimeoutMilliseconds:0} ms (HealthKit:ListenerTimeout) on the change of {Kind} '{Name}' to {Status}; HealthKit no longer waits for it")]
    public static partial void ListenerTimedOut(ILogger logger, string listener, double timeoutMilliseconds, HealthStatusChangeKind kind, string name, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status);

    [LoggerMessage(EventId = Events.ListenerQueueFull, EventName = "HealthKitListenerQueueFull", Level = LogLevel.Warning,
        Message = "{Capacity} status changes are waiting for health status listener {Listener}; until it catches up, further changes of a check or endpoint already waiting are merged into the waiting one, so it hears the latest state")]
    public static partial void ListenerQueueFull(ILogger logger, int capacity, string listener);

    [LoggerMessage(EventId = Events.WebhookFailed, EventName = "HealthKitWebhookFailed", Level = LogLevel.Warning,
        Message = "The health status webhook did not accept the change of {Kind} '{Name}' to {Status} after {Attempts} attempts: {Reason}")]
    private static partial void WebhookFailedCore(ILogger logger, HealthStatusChangeKind kind, string name, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status, int attempts, string reason);

    public static void WebhookFailed(ILogger logger, HealthStatusChangeKind kind, string name, Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus status, int attempts, string reason)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            WebhookFailedCore(logger, kind, name, status, attempts, Redactor.ForLog(reason));
        }
    }
}
