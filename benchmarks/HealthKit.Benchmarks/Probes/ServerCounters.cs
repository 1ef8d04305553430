using Npgsql;

namespace HealthKit.Benchmarks.Probes;

/// <summary>
/// Reads, from the server's statistics, what the benchmark database has done. It connects to the <c>postgres</c>
/// database so that its own queries are not counted.
/// </summary>
internal sealed class ServerCounters : IAsyncDisposable
{
    private readonly NpgsqlDataSource _admin;
    private readonly string _database;

    public ServerCounters(string connection)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection);
        _database = builder.Database ?? throw new ArgumentException("The connection string names no database.");
        builder.Database = "postgres";
        builder.Pooling = false;
        _admin = NpgsqlDataSource.Create(builder.ConnectionString);
    }

    public string Database => _database;

    public bool HasStatements { get; private set; }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'");
        HasStatements = (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    /// <summary>
    /// Waits until no connection to the benchmark database is left: a backend flushes its statistics when it exits, so
    /// only then are the counters complete.
    /// </summary>
    public async Task WaitForNoBackendsAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        while (true)
        {
            await using var command = _admin.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = _database });
            if ((long)(await command.ExecuteScalarAsync(timeout.Token))! == 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }

    /// <summary>Committed plus rolled-back transactions of the benchmark database.</summary>
    public async Task<long> ReadTransactionsAsync(CancellationToken cancellationToken)
    {
        await using var command = _admin.CreateCommand("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = _database });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task ResetStatementsAsync(CancellationToken cancellationToken)
    {
        if (HasStatements)
        {
            await using var command = _admin.CreateCommand("SELECT pg_stat_statements_reset()");
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Each statement the benchmark database ran since the last reset, with its number of calls.</summary>
    public async Task<IReadOnlyList<(string Query, long Calls)>> ReadStatementsAsync(CancellationToken cancellationToken)
    {
        var statements = new List<(string, long)>();
        if (!HasStatements)
        {
            return statements;
        }

        await using var command = _admin.CreateCommand(
            "SELECT s.query, sum(s.calls)::bigint FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 GROUP BY s.query ORDER BY 2 DESC");
        command.Parameters.Add(new NpgsqlParameter { Value = _database });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            statements.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return statements;
    }

    public ValueTask DisposeAsync() => _admin.DisposeAsync();
}
