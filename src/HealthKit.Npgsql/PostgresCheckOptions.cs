using Npgsql;

namespace HealthKit;

/// <summary>
/// Options of the PostgreSQL check, bound from <c>HealthKit:Checks:&lt;name&gt;</c> (by default
/// <c>HealthKit:Checks:postgres</c>).
/// </summary>
/// <remarks>
/// The check pings one of three data sources: a connection string (<see cref="ConnectionString"/>), a named connection
/// string from <c>ConnectionStrings:&lt;name&gt;</c> (<see cref="ConnectionStringName"/>), or, when neither is set, the
/// application's <see cref="NpgsqlDataSource"/> from dependency injection (keyed by <see cref="DataSourceKey"/> when that
/// is set). At most one of the three may be set.
/// </remarks>
public sealed class PostgresCheckOptions : HealthKitCheckOptions
{
    /// <summary>Initializes a new instance with the default tag <see cref="HealthKitTags.Ready"/>.</summary>
    public PostgresCheckOptions()
        : base(HealthKitTags.Ready)
    {
    }

    /// <summary>
    /// Gets or sets the connection string of the server to check.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>. When set, HealthKit builds one <see cref="NpgsqlDataSource"/> from it on the
    /// first run, shares its pool between all runs, and disposes it with the service provider. Its <c>Timeout</c> and
    /// <c>Command Timeout</c> are replaced by the check's timeout, rounded up to whole seconds.
    /// </value>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Gets or sets the name of a connection string in the configuration section <c>ConnectionStrings</c>, used as
    /// <see cref="ConnectionString"/> is.
    /// </summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? ConnectionStringName { get; set; }

    /// <summary>
    /// Gets or sets the service key of a keyed <see cref="NpgsqlDataSource"/> registration to check.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: when no connection string is set either, the unkeyed
    /// <see cref="NpgsqlDataSource"/> registration is used. A data source from dependency injection is used as it is; its
    /// settings are never changed.
    /// </value>
    public string? DataSourceKey { get; set; }

    /// <summary>Gets or sets the validation query, sent in the same round trip as <c>pg_is_in_recovery()</c>.</summary>
    /// <value>The default is <c>SELECT 1</c>.</value>
    public string Query { get; set; } = "SELECT 1";

    /// <summary>
    /// Gets or sets the time, from taking a connection from the pool to the end of the query, above which the check
    /// reports Degraded.
    /// </summary>
    /// <value>The default is 500 milliseconds.</value>
    public TimeSpan DegradedThreshold { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Gets or sets whether a server in recovery (a read-only standby, for example after a failover) fails the check.
    /// </summary>
    /// <value>
    /// The default is <see langword="false"/>: a standby that answers is Healthy, and <c>inRecovery</c> in the check's
    /// data says what it is. Applications that write need <see langword="true"/>.
    /// </value>
    public bool RequirePrimary { get; set; }
}
