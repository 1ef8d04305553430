using System.Globalization;
using HealthKit.Npgsql.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthKit.Npgsql;

/// <summary>
/// Takes a connection from the pool, sends <c>SELECT pg_is_in_recovery()</c> and the validation query in one round trip,
/// and returns the connection to the pool.
/// </summary>
/// <remarks>
/// <para>
/// Npgsql stops watching the cancellation token once TCP is connected, so a server that accepts connections and never
/// answers would hold a run for Npgsql's own timeouts (15 s to connect, 30 s per command, by default). The check stops
/// waiting when its token fires and reports the cancellation, which the engine turns into "timed out". The probe it
/// leaves behind still owns its connection and releases it when the driver gives up; until then, later runs wait for it
/// instead of taking another connection, so a hung server costs one pooled connection, not one per probe.
/// </para>
/// <para>The instance is shared by every run, so all of its state is thread-safe.</para>
/// </remarks>
internal sealed class PostgresHealthCheck : IHealthCheck
{
    private const string RecoveryQuery = "SELECT pg_is_in_recovery()";

    private readonly string _name;
    private readonly PostgresDataSourceProvider _source;
    private readonly PostgresCheckOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private Task? _abandoned;

    public PostgresHealthCheck(string name, PostgresDataSourceProvider source, PostgresCheckOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _name = name;
        _source = source;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var timeout = context.Registration?.Timeout;
        var failureStatus = context.Registration?.FailureStatus ?? _options.FailureStatus;

        if (Volatile.Read(ref _abandoned) is { IsCompleted: false } abandoned)
        {
            Log.WaitingForAbandonedProbe(_logger, _name);
            await abandoned.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var dataSource = _source.Get(timeout, _logger);
        var started = _timeProvider.GetTimestamp();
        var probe = ProbeAsync(dataSource, PostgresDataSourceProvider.DriverSeconds(timeout), cancellationToken);
        Probe result;
        try
        {
            result = await probe.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Abandon(probe, started);
            throw;
        }
#pragma warning disable CA1031 // Every failure of the probe becomes the check's failure status with a safe description.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var elapsed = _timeProvider.GetElapsedTime(started);
            var (description, sqlState) = PostgresFailure.Describe(ex);
            Log.ProbeFailed(_logger, _name, elapsed.TotalMilliseconds, description);
            var data = new Dictionary<string, object>(StringComparer.Ordinal);
            if (sqlState is not null)
            {
                data["sqlState"] = sqlState;
            }

            return new HealthCheckResult(failureStatus, description, ex, AddTarget(data));
        }

        return Evaluate(result, _timeProvider.GetElapsedTime(started), failureStatus);
    }

    private async Task<Probe> ProbeAsync(NpgsqlDataSource dataSource, int? commandSeconds, CancellationToken cancellationToken)
    {
        // Everything the probe takes is released here, whenever it ends: at once, or after the check stopped waiting.
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var batch = new NpgsqlBatch(connection)
            {
                BatchCommands = { new NpgsqlBatchCommand(RecoveryQuery), new NpgsqlBatchCommand(_options.Query) },
            };
            await using (batch.ConfigureAwait(false))
            {
                if (commandSeconds is { } seconds)
                {
                    // A command-level setting: a data source from dependency injection keeps its own settings.
                    batch.Timeout = seconds;
                }

                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var inRecovery = await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetBoolean(0);
                    while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false))
                    {
                    }

                    return new Probe(inRecovery, connection.ServerVersion, connection.Database);
                }
            }
        }
    }

    private void Abandon(Task<Probe> probe, long started)
    {
        var waited = _timeProvider.GetElapsedTime(started).TotalMilliseconds;
        Log.ProbeAbandoned(_logger, _name, waited);

        // The continuation observes the probe's exception and never faults, so a later run can wait on it safely.
        var finished = probe.ContinueWith(
            static (task, state) =>
            {
                var (check, startedAt) = ((PostgresHealthCheck, long))state!;
                var outcome = task.Status == TaskStatus.RanToCompletion
                    ? "completed"
                    : task.Exception?.InnerException is { } ex ? PostgresFailure.Describe(ex).Description : "cancelled";
                var lasted = check._timeProvider.GetElapsedTime(startedAt).TotalMilliseconds;
                Log.AbandonedProbeFinished(check._logger, check._name, lasted, outcome);
            },
            (this, started),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Volatile.Write(ref _abandoned, finished);
    }

    private HealthCheckResult Evaluate(Probe probe, TimeSpan elapsed, HealthStatus failureStatus)
    {
        var milliseconds = Math.Round(elapsed.TotalMilliseconds, 2);
        var data = AddTarget(new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["roundTripMs"] = milliseconds,
            ["serverVersion"] = probe.ServerVersion,
            ["inRecovery"] = probe.InRecovery,
            ["database"] = probe.Database,
        });

        if (probe.InRecovery && _options.RequirePrimary)
        {
            return new HealthCheckResult(failureStatus, "server is in recovery (read-only) and a primary is required", data: data);
        }

        var recovery = probe.InRecovery ? ", server in recovery" : string.Empty;
        return elapsed > _options.DegradedThreshold
            ? HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"round trip took {milliseconds} ms, above {_options.DegradedThreshold.TotalMilliseconds} ms{recovery}"),
                data: data)
            : HealthCheckResult.Healthy(string.Create(CultureInfo.InvariantCulture, $"round trip took {milliseconds} ms{recovery}"), data);
    }

    /// <summary>Adds where the check connects to: host and port, and the database unless the server already named it.</summary>
    private Dictionary<string, object> AddTarget(Dictionary<string, object> data)
    {
        if (_source.Database is { } database)
        {
            data.TryAdd("database", database);
        }

        data["server"] = _source.Server;
        return data;
    }

    private sealed record Probe(bool InRecovery, string ServerVersion, string Database);
}
