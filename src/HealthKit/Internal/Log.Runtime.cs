using HealthKit.Redaction;
using Microsoft.Extensions.Logging;

namespace HealthKit.Internal;

/// <summary>Log messages about the runtime around the checks: telemetry and the check scheduler (event IDs 31-39).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = RuntimeEvents.TelemetryFailed, EventName = "HealthKitTelemetryFailed", Level = LogLevel.Warning,
        Message = "Recording the telemetry of a health check run failed; the run goes on without it, and further telemetry failures are not logged")]
    private static partial void TelemetryFailedCore(ILogger logger, Exception exception);

    public static void TelemetryFailed(ILogger logger, Exception exception)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            TelemetryFailedCore(logger, Redactor.ForLogging(exception));
        }
    }

    [LoggerMessage(EventId = RuntimeEvents.CheckThreadsSaturated, EventName = "HealthKitCheckThreadsSaturated", Level = LogLevel.Warning,
        Message = "Checks hold all {Threads} check threads (HealthKit:CheckThreads): new runs wait for one, and each still ends at its timeout. Checks that block their thread (synchronous drivers, Thread.Sleep, .Result) are the usual cause")]
    public static partial void CheckThreadsSaturated(ILogger logger, int threads);

    [LoggerMessage(EventId = RuntimeEvents.CheckThreadsFree, EventName = "HealthKitCheckThreadsFree", Level = LogLevel.Information,
        Message = "A check thread is free again after {ElapsedMilliseconds:0} ms in which checks held them all; {Runs} runs waited for one")]
    public static partial void CheckThreadsFree(ILogger logger, double elapsedMilliseconds, int runs);

    /// <summary>Event IDs of this file: 31-39 (and 72-79 beside the settings events).</summary>
    public static class RuntimeEvents
    {
        public const int TelemetryFailed = 31;
        public const int CheckThreadsSaturated = 32;
        public const int CheckThreadsFree = 33;
    }
}
