using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Database;

/// <summary>
/// Opens a pooled connection from an ADO.NET <see cref="DbDataSource"/> and runs a validation query.
/// </summary>
/// <param name="dataSource">The data source, resolved once.</param>
/// <param name="current">The options in force now, read once per run for the query and threshold (a reload may replace them).</param>
/// <param name="timeProvider">The clock.</param>
internal sealed class DatabaseHealthCheck(DbDataSource dataSource, Func<DatabaseCheckOptions> current, TimeProvider timeProvider) : IHealthCheck
{
    public DatabaseHealthCheck(DbDataSource dataSource, DatabaseCheckOptions options, TimeProvider timeProvider)
        : this(dataSource, () => options, timeProvider)
    {
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var options = current();
        var started = timeProvider.GetTimestamp();
        try
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = connection.CreateCommand();
                await using (command.ConfigureAwait(false))
                {
                    command.CommandText = options.Query;
                    var timeout = context.Registration?.Timeout ?? Timeout.InfiniteTimeSpan;
                    if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
                    {
                        // Some drivers stop watching the token once a command is on the wire; give them the deadline too.
                        command.CommandTimeout = (int)Math.Ceiling(timeout.TotalSeconds);
                    }

                    await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var sqlState = ex is DbException { SqlState: { Length: > 0 } state } ? $" (SQLSTATE {state})" : string.Empty;
            return new HealthCheckResult(
                context.Registration?.FailureStatus ?? options.FailureStatus,
                $"database ping failed: {ex.GetType().Name}{sqlState}",
                ex);
        }

        var elapsed = timeProvider.GetElapsedTime(started);
        var milliseconds = Math.Round(elapsed.TotalMilliseconds, 2);
        var data = new Dictionary<string, object> { ["roundTripMs"] = milliseconds };
        return elapsed > options.DegradedThreshold
            ? HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"round trip took {milliseconds} ms, above {options.DegradedThreshold.TotalMilliseconds} ms"),
                data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"round trip took {milliseconds} ms"), data);
    }
}
