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
        public const int DataSourceWithoutTimeout = 105;
        public const int SmallPool = 106;
        public const int PoolBusy = 107;
        public const int ProbingOutsidePool = 108;
        public const int PreviousProbeStillHung = 109;
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

    [LoggerMessage(EventId = Events.DataSourceWithoutTimeout, EventName = "HealthKitPostgresDataSourceWithoutTimeout", Level = LogLevel.Warning,
        Message = "PostgreSQL check '{Check}' uses {DataSource}, which has {Missing}. A server that accepts connections and never answers holds such a connection, and its slot in the pool, with no bound. The check still answers within its own timeout, and once a probe has hung for another timeout it probes over a separate connection outside the pool, but the application's own queries on that data source can wait forever. Set Timeout and Command Timeout in its connection string")]
    public static partial void DataSourceWithoutTimeout(ILogger logger, string check, string dataSource, string missing);

    [LoggerMessage(EventId = Events.SmallPool, EventName = "HealthKitPostgresSmallPool", Level = LogLevel.Warning,
        Message = "PostgreSQL check '{Check}' uses {DataSource}, whose Maximum Pool Size is {MaxPoolSize}. Each probe takes one of its connections, so probes and the application's queries wait for each other, and a probe that finds no connection free is reported Degraded; a Maximum Pool Size of at least {Recommended} leaves room for both")]
    public static partial void SmallPool(ILogger logger, string check, string dataSource, int maxPoolSize, int recommended);

    [LoggerMessage(EventId = Events.PoolBusy, EventName = "HealthKitPostgresPoolBusy", Level = LogLevel.Debug,
        Message = "PostgreSQL check '{Check}' found no pooled connection free within {ElapsedMilliseconds:0} ms (pool size {PoolSize}); the server was not asked")]
    public static partial void PoolBusy(ILogger logger, string check, double elapsedMilliseconds, int poolSize);

    [LoggerMessage(EventId = Events.ProbingOutsidePool, EventName = "HealthKitPostgresProbingOutsidePool", Level = LogLevel.Information,
        Message = "A probe of PostgreSQL check '{Check}' has hung for {ElapsedMilliseconds:0} ms and still holds its pooled connection; until it ends, the check probes over a separate connection outside the pool, bounded by {TimeoutSeconds} s")]
    public static partial void ProbingOutsidePool(ILogger logger, string check, double elapsedMilliseconds, int timeoutSeconds);

    [LoggerMessage(EventId = Events.PreviousProbeStillHung, EventName = "HealthKitPostgresPreviousProbeStillHung", Level = LogLevel.Debug,
        Message = "PostgreSQL check '{Check}' answered without probing: its previous probe has hung for {ElapsedMilliseconds:0} ms")]
    public static partial void PreviousProbeStillHung(ILogger logger, string check, double elapsedMilliseconds);
}
