using Npgsql;

[assembly: AssemblyFixture(typeof(HealthKit.Npgsql.Tests.Infrastructure.PostgresServer))]

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server most tests share: a throwaway cluster started for this run, or the existing server named by
/// <see cref="EnvironmentVariable"/>. Either way, it gets a login role with a distinctive password and a database of its
/// own, both removed at the end.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    /// <summary>A superuser connection string for an existing server, used instead of starting one.</summary>
    public const string EnvironmentVariable = "HEALTHKIT_TEST_POSTGRES";

    private PostgresCluster? _cluster;
    private string _adminConnectionString = string.Empty;

    public string Host { get; private set; } = string.Empty;

    public int Port { get; private set; }

    public string User { get; } = "healthkit_" + Guid.NewGuid().ToString("N")[..12];

    public string Database => User;

    public string Password { get; } = PostgresCluster.NewSecret("app");

    public async ValueTask InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } existing)
        {
            var settings = new NpgsqlConnectionStringBuilder(existing) { Pooling = false, ApplicationName = "healthkit-tests-admin" };
            if (settings.Password is { Length: > 0 } superuserPassword)
            {
                PostgresCluster.Secrets.Add(superuserPassword);
            }

            _adminConnectionString = settings.ConnectionString;
        }
        else
        {
            _cluster = await PostgresCluster.StartNewAsync();
            _adminConnectionString = _cluster.AdminConnectionString;
        }

        var admin = new NpgsqlConnectionStringBuilder(_adminConnectionString);
        Host = admin.Host!;
        Port = admin.Port;
        await AdminExecuteAsync($"CREATE ROLE {User} LOGIN PASSWORD '{Password}'");
        await AdminExecuteAsync($"CREATE DATABASE {Database} OWNER {User}");
    }

    /// <summary>A connection string for the test role; every argument overrides one setting.</summary>
    public string ConnectionString(string applicationName, string? password = null, string? database = null, int maxPoolSize = 5, int? port = null) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = port ?? Port,
            Username = User,
            Password = password ?? Password,
            Database = database ?? Database,
            ApplicationName = applicationName,
            MaxPoolSize = maxPoolSize,
        }.ConnectionString;

    public async Task<long> CountConnectionsAsync(string applicationName, string? state = null)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND ($2::text IS NULL OR state = $2)", connection)
        {
            Parameters = { new() { Value = applicationName }, new() { Value = (object?)state ?? DBNull.Value, DataTypeName = "text" } },
        };
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_adminConnectionString.Length > 0 && _cluster is null)
            {
                await AdminExecuteAsync($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)");
                await AdminExecuteAsync($"DROP ROLE IF EXISTS {User}");
            }
        }
        finally
        {
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync();
            }
        }
    }

    private async Task AdminExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
