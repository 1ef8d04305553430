using Microsoft.Extensions.Logging;

namespace HealthKit.Npgsql.Internal;

/// <summary>
/// The PostgreSQL check's log messages, IDs 100 to 119. Event IDs and names are a contract: alerts and dashboards match
/// on them. No message carries a connection string or a password; status changes are logged by the core (event 1).
/// </summary>
internal static partial class Log
{
    public static class Events
    {
        public const int DataSourceBuilt = 100;
        public const int ProbeFailed = 101;
        public const int ProbeAbandoned = 102;
        public const int AbandonedProbeFinished = 103;
        public const int WaitingForAbandonedProbe = 104;
    }

    [LoggerMessage(EventId = Events.DataSourceBuilt, EventName = "HealthKitPostgresDataSourceBuilt", Level = LogLevel.Debug,
        Message = "Built the data source of PostgreSQL check '{Check}' for {Server}/{Database}; connect and command timeouts {TimeoutSeconds} s")]
    public static partial void DataSourceBuilt(ILogger logger, string check, string server, string? database, int timeoutSeconds);

    [LoggerMessage(EventId = Events.ProbeFailed, EventName = "HealthKitPostgresProbeFailed", Level = LogLevel.Debug,
        Message = "PostgreSQL check '{Check}' failed after {ElapsedMilliseconds:0} ms: {Reason}")]
    public static partial void ProbeFailed(ILogger logger, string check, double elapsedMilliseconds, string reason);

    [LoggerMessage(EventId = Events.ProbeAbandoned, EventName = "HealthKitPostgresProbeAbandoned", Level = LogLevel.Debug,
        Message = "PostgreSQL check '{Check}' stopped waiting for its probe at its deadline, after {ElapsedMilliseconds:0} ms; the probe releases its connection when the driver gives up")]
    public static partial void ProbeAbandoned(ILogger logger, string check, double elapsedMilliseconds);

    [LoggerMessage(EventId = Events.AbandonedProbeFinished, EventName = "HealthKitPostgresAbandonedProbeFinished", Level = LogLevel.Debug,
        Message = "An abandoned probe of PostgreSQL check '{Check}' ended {ElapsedMilliseconds:0} ms after it started ({Outcome}); its connection is released")]
    public static partial void AbandonedProbeFinished(ILogger logger, string check, double elapsedMilliseconds, string outcome);

    [LoggerMessage(EventId = Events.WaitingForAbandonedProbe, EventName = "HealthKitPostgresWaitingForAbandonedProbe", Level = LogLevel.Debug,
        Message = "PostgreSQL check '{Check}' waits for a probe abandoned at an earlier deadline instead of taking another connection")]
    public static partial void WaitingForAbandonedProbe(ILogger logger, string check);
}
