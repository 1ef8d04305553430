using HealthKit.Redaction;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Internal;

/// <summary>
/// HealthKit's log messages. Event IDs and names are a contract: alerts and dashboards match on them.
/// </summary>
/// <remarks>
/// Logs reach places with wider access than the application's responses, so every exception is logged through
/// <see cref="Redactor.ForLogging"/> and every free-text argument through <see cref="Redactor.ForLog"/>, here, once,
/// for every caller. Each such message is a private generated method behind a public one that redacts only when the
/// level is enabled.
/// </remarks>
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
        public const int ReadinessFailing = 7;
        public const int DrainStarted = 8;
        public const int DrainCompleted = 9;
        public const int StartupTaskFailed = 10;
        public const int Started = 11;
        public const int CheckStale = 12;
        public const int StartupTaskTimedOut = 20;
        public const int StartupTasksPending = 21;
        public const int StartupTaskBlocksShutdown = 22;
        public const int StartupTaskAbandoned = 23;

        // Publishers and listeners: 40-49.
        public const int PublisherFailed = 40;
        public const int PublisherTimedOut = 41;
        public const int PublisherRecovered = 42;
        public const int PublisherStillRunning = 43;
        public const int ListenerFailed = 44;
        public const int ListenerTimedOut = 45;
        public const int ListenerQueueFull = 46;
        public const int WebhookFailed = 47;

        // Memory and error rate: 60-69.
        public const int MemoryLimitFound = 60;
        public const int MemoryCgroupUnreadable = 61;
        public const int CheckSlow = 30;

        public const int SettingsRejected = 70;
        public const int SettingsReloaded = 71;
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
    private static partial void CheckStatusChangedCore(ILogger logger, LogLevel level, Exception? exception, string check, string previousStatus, HealthStatus status, string? description);

    public static void CheckStatusChanged(ILogger logger, LogLevel level, Exception? exception, string check, string previousStatus, HealthStatus status, string? description, SecretRedactor? redactor = null)
    {
        if (logger.IsEnabled(level))
        {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see that guard.
            CheckStatusChangedCore(logger, level, Redactor.ForLogging(exception, redactor), check, previousStatus, status, Redactor.ForLog(description, redactor));
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(EventId = Events.CheckFailed, EventName = "HealthKitCheckFailed", Level = LogLevel.Debug,
        Message = "Health check '{Check}' threw and reports {Status}")]
    private static partial void CheckFailedCore(ILogger logger, Exception exception, string check, HealthStatus status);

    public static void CheckFailed(ILogger logger, Exception exception, string check, HealthStatus status, SecretRedactor? redactor = null)
    {
        if (logger.IsEnabled(LogLevel.Debug))
        {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see that guard.
            CheckFailedCore(logger, Redactor.ForLogging(exception, redactor), check, status);
#pragma warning restore CA1873
        }
    }

    [LoggerMessage(EventId = Events.CheckTimedOut, EventName = "HealthKitCheckTimedOut", Level = LogLevel.Debug,
        Message = "Health check '{Check}' timed out after {ElapsedMilliseconds:0} ms")]
    public static partial void CheckTimedOut(ILogger logger, string check, double elapsedMilliseconds);

    [LoggerMessage(EventId = Events.EndpointStatusChanged, EventName = "HealthKitEndpointStatusChanged",
        Message = "Health endpoint '{Endpoint}' changed from {PreviousStatus} to {Status}")]
    public static partial void EndpointStatusChanged(ILogger logger, LogLevel level, string endpoint, string previousStatus, HealthStatus status);

    [LoggerMessage(EventId = Events.CheckStale, EventName = "HealthKitCheckStale", Level = LogLevel.Warning,
        Message = "Health check '{Check}' has no result newer than {AgeSeconds:0.0} s, more than its maximum age of {MaxAgeSeconds:0.0} s (HealthKit:Checks:<name>:MaxAge): it is reported Unhealthy until it runs again")]
    public static partial void CheckStale(ILogger logger, string check, double ageSeconds, double maxAgeSeconds);

    [LoggerMessage(EventId = Events.RequestAborted, EventName = "HealthKitRequestAborted", Level = LogLevel.Debug,
        Message = "Health request to '{Endpoint}' was aborted by the client")]
    public static partial void RequestAborted(ILogger logger, string endpoint);

    [LoggerMessage(EventId = Events.BackgroundRunFailed, EventName = "HealthKitBackgroundRunFailed", Level = LogLevel.Error,
        Message = "The background loop of health check '{Check}' failed; it retries after its period")]
    private static partial void BackgroundRunFailedCore(ILogger logger, Exception exception, string check);

    public static void BackgroundRunFailed(ILogger logger, Exception exception, string check, SecretRedactor? redactor = null)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            BackgroundRunFailedCore(logger, Redactor.ForLogging(exception, redactor), check);
        }
    }

    [LoggerMessage(EventId = Events.ReadinessFailing, EventName = "HealthKitReadinessFailing", Level = LogLevel.Information,
        Message = "The application is stopping: readiness reports Unhealthy \"shutting down\"")]
    public static partial void ReadinessFailing(ILogger logger);

    [LoggerMessage(EventId = Events.DrainStarted, EventName = "HealthKitDrainStarted", Level = LogLevel.Information,
        Message = "Holding shutdown for {DrainMilliseconds:0} ms while load balancers stop sending traffic; requests are still served")]
    public static partial void DrainStarted(ILogger logger, double drainMilliseconds);

    [LoggerMessage(EventId = Events.DrainCompleted, EventName = "HealthKitDrainCompleted", Level = LogLevel.Information,
        Message = "Drain delay over; the server now stops accepting connections and finishes requests in flight")]
    public static partial void DrainCompleted(ILogger logger);

    [LoggerMessage(EventId = Events.StartupTaskFailed, EventName = "HealthKitStartupTaskFailed", Level = LogLevel.Error,
        Message = "Startup task '{Task}' failed; /health/startup and /health/ready report Unhealthy")]
    private static partial void StartupTaskFailedCore(ILogger logger, Exception exception, string task);

    public static void StartupTaskFailed(ILogger logger, Exception exception, string task)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
            StartupTaskFailedCore(logger, Redactor.ForLogging(exception), task);
        }
    }

    [LoggerMessage(EventId = Events.Started, EventName = "HealthKitStarted", Level = LogLevel.Information,
        Message = "Startup complete: {TaskCount} startup tasks finished in {ElapsedMilliseconds:0} ms; readiness may now pass")]
    public static partial void Started(ILogger logger, int taskCount, double elapsedMilliseconds);

    [LoggerMessage(EventId = Events.StartupTaskTimedOut, EventName = "HealthKitStartupTaskTimedOut", Level = LogLevel.Error,
        Message = "Startup task '{Task}' did not finish within {TimeoutMilliseconds:0} ms (HealthKit:Lifecycle:StartupTimeout); its token is cancelled, the tasks after it do not run, and /health/startup and /health/ready report Unhealthy")]
    public static partial void StartupTaskTimedOut(ILogger logger, string task, double timeoutMilliseconds);

    [LoggerMessage(EventId = Events.StartupTasksPending, EventName = "HealthKitStartupTasksPending", Level = LogLevel.Information,
        Message = "Startup is still waiting after {ElapsedMilliseconds:0} ms for startup tasks {Tasks} ('{Running}' is running); /health/startup and /health/ready report Unhealthy until they finish")]
    public static partial void StartupTasksPending(ILogger logger, double elapsedMilliseconds, string tasks, string running);

    [LoggerMessage(EventId = Events.StartupTaskBlocksShutdown, EventName = "HealthKitStartupTaskBlocksShutdown", Level = LogLevel.Warning,
        Message = "Shutdown is waiting for startup task '{Task}', still running {ElapsedMilliseconds:0} ms after its token was cancelled; the host's ShutdownTimeout bounds the wait")]
    public static partial void StartupTaskBlocksShutdown(ILogger logger, string task, double elapsedMilliseconds);

    [LoggerMessage(EventId = Events.StartupTaskAbandoned, EventName = "HealthKitStartupTaskAbandoned", Level = LogLevel.Warning,
        Message = "Shutdown stopped waiting for startup task '{Task}' because the host's ShutdownTimeout ran out; the task ignores its cancellation token and may still be running")]
    public static partial void StartupTaskAbandoned(ILogger logger, string task);

    [LoggerMessage(EventId = Events.MemoryLimitFound, EventName = "HealthKitMemoryLimitFound", Level = LogLevel.Information,
        Message = "Memory check '{Check}' judges memory against {LimitBytes} bytes ({LimitSource})")]
    public static partial void MemoryLimitFound(ILogger logger, string check, string limitSource, long limitBytes);

    [LoggerMessage(EventId = Events.MemoryCgroupUnreadable, EventName = "HealthKitMemoryCgroupUnreadable", Level = LogLevel.Warning,
        Message = "Memory check '{Check}' cannot read the control group's memory limit; it judges the garbage collector's figures instead")]
    private static partial void MemoryCgroupUnreadableCore(ILogger logger, Exception exception, string check);

    public static void MemoryCgroupUnreadable(ILogger logger, Exception exception, string check)
    {
        if (logger.IsEnabled(LogLevel.Warning))
        {
            MemoryCgroupUnreadableCore(logger, Redactor.ForLogging(exception), check);
        }
    }
    [LoggerMessage(EventId = Events.CheckSlow, EventName = "HealthKitCheckSlow", Level = LogLevel.Warning,
        Message = "Health check '{Check}' took {DurationMilliseconds:0} ms, at or above its slow threshold of {ThresholdMilliseconds:0} ms")]
    public static partial void CheckSlow(ILogger logger, string check, double durationMilliseconds, double thresholdMilliseconds);

    [LoggerMessage(EventId = Events.SettingsRejected, EventName = "HealthKitSettingsRejected", Level = LogLevel.Error,
        Message = "The reloaded HealthKit configuration was rejected and the previous settings stay in force: {Problems}")]
    private static partial void SettingsRejectedCore(ILogger logger, string problems);

    public static void SettingsRejected(ILogger logger, string problems)
    {
        if (logger.IsEnabled(LogLevel.Error))
        {
#pragma warning disable CA1873 // Guarded by IsEnabled just above; the analyzer does not see that guard.
            SettingsRejectedCore(logger, Redactor.ForLog(problems, maxLength: TextBounds.MaxProblemsLength));
#pragma warning restore CA1873
        }
    }

    /// <summary>At Information when a policy changed; at Debug otherwise, as file watchers report one save several times.</summary>
    [LoggerMessage(EventId = Events.SettingsReloaded, EventName = "HealthKitSettingsReloaded",
        Message = "The reloaded HealthKit configuration is in force; checks whose policy changed: {Checks}")]
    public static partial void SettingsReloaded(ILogger logger, LogLevel level, string checks);
}
