using Npgsql;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>
/// A cluster of one test class's own, for faults that would disturb every other test on a shared server: stopping it,
/// freezing it. The application connects as the superuser, whose password is distinctive too.
/// </summary>
public class DedicatedCluster : IAsyncLifetime
{
    private PostgresCluster? _cluster;

    internal PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    protected virtual bool Standby => false;

    public string ConnectionString(string applicationName) => new NpgsqlConnectionStringBuilder(Cluster.AdminConnectionString)
    {
        Pooling = true,
        MaxPoolSize = 5,
        ApplicationName = applicationName,
    }.ConnectionString;

    public async ValueTask InitializeAsync() => _cluster = await PostgresCluster.StartNewAsync(Standby);

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>A cluster started in recovery, as a read-only replica is.</summary>
public sealed class StandbyCluster : DedicatedCluster
{
    protected override bool Standby => true;
}
