using System.Data.Common;

namespace HealthKit;

/// <summary>
/// Options of the database ping check, bound from <c>HealthKit:Checks:&lt;name&gt;</c> (by default
/// <c>HealthKit:Checks:database</c>).
/// </summary>
public sealed class DatabaseCheckOptions : HealthKitCheckOptions
{
    /// <summary>Initializes a new instance with the default tag <see cref="HealthKitTags.Ready"/>.</summary>
    public DatabaseCheckOptions()
        : base(HealthKitTags.Ready)
    {
    }

    /// <summary>
    /// Gets or sets the data source to ping. Set it in code; it is never bound from configuration.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/>: the application's <see cref="DbDataSource"/> is taken from dependency
    /// injection (keyed by <see cref="DataSourceKey"/> when that is set). The data source is resolved once, and its
    /// connection pool serves every probe.
    /// </value>
    public DbDataSource? DataSource { get; set; }

    /// <summary>Gets or sets the service key of a keyed <see cref="DbDataSource"/> registration.</summary>
    /// <value>The default is <see langword="null"/>: the unkeyed registration.</value>
    public string? DataSourceKey { get; set; }

    /// <summary>Gets or sets the validation query.</summary>
    /// <value>The default is <c>SELECT 1</c>.</value>
    public string Query { get; set; } = "SELECT 1";

    /// <summary>Gets or sets the round-trip time above which the check reports Degraded.</summary>
    /// <value>The default is 500 milliseconds.</value>
    public TimeSpan DegradedThreshold { get; set; } = TimeSpan.FromMilliseconds(500);
}
