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
/// answers would hold a run for Npgsql's own timeouts (15 s to connect, 30 s per command, by default; none at all with
/// <c>Timeout=0</c>). The check stops waiting when its token fires and reports the cancellation, which the engine turns
/// into "timed out". The probe it leaves behind still owns its connection and releases it when the driver gives up.
/// </para>
/// <para>
/// A later run waits for that abandoned probe rather than take another pooled connection, so a hung server costs one
/// pooled connection, not one per probe; if its own time runs out first, it answers "previous probe still hung". Once
/// the probe was abandoned longer ago than a run's answering time (the check's timeout less a small reserve), no run
/// waits for it any more: until it ends, each run probes over a separate connection outside the pool, whose connect
/// and command timeouts are the check's own, so that it can neither hang nor take the application's connections, and a
/// server that answers again is seen at once.
/// </para>
/// <para>
/// A probe that is still waiting for a connection to come back to the pool when its time is nearly up gives up and
/// reports Degraded, "no pooled connection free": the server was never asked, and a busy application is not a dead
/// database.
/// </para>
/// <para>The instance is shared by every run, so all of its state is thread-safe.</para>
/// </remarks>
internal sealed class PostgresHealthCheck : IHealthCheck
{
    private const string RecoveryQuery = "SELECT pg_is_in_recovery()";

    /// <summary>
    /// The most a run keeps in hand before its deadline to answer by itself: the engine reports any run that has not
    /// answered by then as "timed out", whatever it would have said.
    /// </summary>
    private static readonly TimeSpan MaxReserve = TimeSpan.FromSeconds(1);

    private readonly string _name;
    private readonly PostgresDataSourceProvider _source;
    private readonly PostgresCheckOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private AbandonedProbe? _abandoned;

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
        var runStarted = _timeProvider.GetTimestamp();
        var timeout = context.Registration?.Timeout is { } value && value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan ? value : (TimeSpan?)null;
        var failureStatus = context.Registration?.FailureStatus ?? _options.FailureStatus;

        // The time after which this run answers by itself rather than wait any longer.
        var answerBy = timeout is { } limit ? limit - Reserve(limit) : (TimeSpan?)null;
        var driverSeconds = PostgresDataSourceProvider.DriverSeconds(timeout);

        var outsidePool = false;
        if (Volatile.Read(ref _abandoned) is { Finished.IsCompleted: false } abandoned)
        {
            switch (await WaitForAbandonedAsync(abandoned, answerBy, runStarted, cancellationToken).ConfigureAwait(false))
            {
                case AbandonedWait.StillHung:
                    var hungFor = _timeProvider.GetElapsedTime(abandoned.Started);
                    Log.PreviousProbeStillHung(_logger, _name, hungFor.TotalMilliseconds);
                    return new HealthCheckResult(
                        failureStatus,
                        string.Create(CultureInfo.InvariantCulture, $"previous probe still hung after {hungFor.TotalMilliseconds:0} ms"),
                        data: AddTarget(new Dictionary<string, object>(StringComparer.Ordinal) { ["hungProbeMs"] = Math.Round(hungFor.TotalMilliseconds) }));
                case AbandonedWait.BoundPassed:
                    outsidePool = true;
                    if (abandoned.TryClaimNotice())
                    {
                        var hungSoFar = _timeProvider.GetElapsedTime(abandoned.Started).TotalMilliseconds;
                        Log.ProbingOutsidePool(_logger, _name, hungSoFar, driverSeconds ?? 0);
                    }

                    break;
            }
        }

        var dataSource = _source.Get(timeout, _logger);
        var started = _timeProvider.GetTimestamp();
        var open = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var poolWait = new PostgresPoolWait(open);
        var probe = outsidePool
            ? ProbeOutsidePoolAsync(dataSource, driverSeconds!.Value, cancellationToken)
            : ProbeAsync(dataSource, driverSeconds, poolWait, cancellationToken);

        // The driver may still hold the open's token after this run has stopped waiting; the source lives as long as the probe.
        _ = probe.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), open, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        // Only the wait for a pooled connection is cut short; a probe already talking to the server gets the whole timeout.
        using var giveUp = answerBy is { } by && !outsidePool && by > _timeProvider.GetElapsedTime(runStarted)
            ? _timeProvider.CreateTimer(static state => ((PostgresPoolWait)state!).GiveUpIfWaiting(), poolWait, by - _timeProvider.GetElapsedTime(runStarted), Timeout.InfiniteTimeSpan)
            : null;

        Probe result;
        try
        {
            result = await probe.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (poolWait.GaveUp && !cancellationToken.IsCancellationRequested)
        {
            var waited = _timeProvider.GetElapsedTime(started);
            var poolSize = _source.PoolSize ?? 0;
            Log.PoolBusy(_logger, _name, waited.TotalMilliseconds, poolSize);

            // Degraded at worst: the instance still serves from the connections it has; taking it out of rotation would
            // move its load to the others.
            return new HealthCheckResult(
                (HealthStatus)Math.Max((int)failureStatus, (int)HealthStatus.Degraded),
                string.Create(CultureInfo.InvariantCulture, $"no pooled connection free within {waited.TotalMilliseconds:0} ms (pool size {poolSize})"),
                data: AddTarget(new Dictionary<string, object>(StringComparer.Ordinal) { ["poolSize"] = poolSize }));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (outsidePool)
            {
                // Its own connect and command timeouts end it soon; it holds no pooled connection meanwhile.
                Observe(probe);
            }
            else
            {
                Abandon(probe, started);
            }

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

        var healthy = Evaluate(result, _timeProvider.GetElapsedTime(started), failureStatus);
        if (outsidePool)
        {
            var data = new Dictionary<string, object>(healthy.Data, StringComparer.Ordinal) { ["outsidePool"] = true };
            healthy = new HealthCheckResult(healthy.Status, healthy.Description, healthy.Exception, data);
        }

        return healthy;
    }

    /// <summary>
    /// What a run keeps in hand before its timeout: a quarter of it, at most <see cref="MaxReserve"/>. A busy pool often
    /// comes with a busy CPU, and an answer that misses the timeout is "timed out", Unhealthy, rather than Degraded.
    /// </summary>
    internal static TimeSpan Reserve(TimeSpan timeout) => timeout / 4 < MaxReserve ? timeout / 4 : MaxReserve;

    /// <summary>
    /// Waits for an abandoned probe until it ends or until this run must answer. Once the probe was abandoned longer ago
    /// than a run's answering time, no run waits for it any more: a run that had to wait a whole answering time already
    /// said so, and the next one probes outside the pool.
    /// </summary>
    private async Task<AbandonedWait> WaitForAbandonedAsync(AbandonedProbe abandoned, TimeSpan? answerBy, long runStarted, CancellationToken cancellationToken)
    {
        if (answerBy is not { } by)
        {
            // Without a timeout nothing is ever abandoned but at shutdown; waiting on the token alone is bounded by it.
            Log.WaitingForAbandonedProbe(_logger, _name);
            await abandoned.Finished.WaitAsync(cancellationToken).ConfigureAwait(false);
            return AbandonedWait.Finished;
        }

        if (_timeProvider.GetElapsedTime(abandoned.At) >= by)
        {
            return AbandonedWait.BoundPassed;
        }

        var untilAnswer = by - _timeProvider.GetElapsedTime(runStarted);
        if (untilAnswer > TimeSpan.Zero)
        {
            Log.WaitingForAbandonedProbe(_logger, _name);
            try
            {
                await abandoned.Finished.WaitAsync(untilAnswer, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        return abandoned.Finished.IsCompleted ? AbandonedWait.Finished : AbandonedWait.StillHung;
    }

    private async Task<Probe> ProbeAsync(NpgsqlDataSource dataSource, int? commandSeconds, PostgresPoolWait poolWait, CancellationToken cancellationToken)
    {
        // Everything the probe takes is released here, whenever it ends: at once, or after the check stopped waiting.
        NpgsqlConnection connection;
        poolWait.Enter();
        try
        {
            connection = await dataSource.OpenConnectionAsync(poolWait.Token).ConfigureAwait(false);
        }
        finally
        {
            PostgresPoolWait.Leave();
        }

        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(connection, commandSeconds, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A probe over a connection of its own, outside the pool, that the driver itself ends within
    /// <paramref name="seconds"/>: it borrows the data source's credentials and TLS callbacks, not its pool.
    /// </summary>
    private async Task<Probe> ProbeOutsidePoolAsync(NpgsqlDataSource dataSource, int seconds, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString)
        {
            Pooling = false,
            Timeout = seconds,
            CommandTimeout = seconds,
        };
        NpgsqlConnection connection;
        var template = dataSource.CreateConnection();
        await using (template.ConfigureAwait(false))
        {
            connection = template.CloneWith(settings.ConnectionString);
        }

        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return await QueryAsync(connection, seconds, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Probe> QueryAsync(NpgsqlConnection connection, int? commandSeconds, CancellationToken cancellationToken)
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
        Volatile.Write(ref _abandoned, new AbandonedProbe(finished, started, _timeProvider.GetTimestamp()));
    }

    /// <summary>Observes a probe nobody waits for any more, so that its failure is not an unobserved exception.</summary>
    private static void Observe(Task probe) => probe.ContinueWith(
        static task => _ = task.Exception,
        CancellationToken.None,
        TaskContinuationOptions.ExecuteSynchronously | TaskContinuationOptions.OnlyOnFaulted,
        TaskScheduler.Default);

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

    private enum AbandonedWait
    {
        Finished,
        BoundPassed,
        StillHung,
    }

    /// <summary>A probe the check stopped waiting for at its deadline, and whose connection it may still hold.</summary>
    /// <param name="Finished">Completes when the probe ends; never faults.</param>
    /// <param name="Started">When the probe started.</param>
    /// <param name="At">When the check stopped waiting for it.</param>
    private sealed record AbandonedProbe(Task Finished, long Started, long At)
    {
        private int _noticed;

        /// <summary>True for the first caller only, so that probing outside the pool is logged once per hung probe.</summary>
        public bool TryClaimNotice() => Interlocked.Exchange(ref _noticed, 1) == 0;
    }

}
