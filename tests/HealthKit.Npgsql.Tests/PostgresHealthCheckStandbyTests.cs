using HealthKit.Npgsql.Tests.Infrastructure;

namespace HealthKit.Npgsql.Tests;

/// <summary>A server in recovery, as a replica is, and as a primary becomes after a failover demotes it.</summary>
public sealed class PostgresHealthCheckStandbyTests(StandbyCluster server) : IClassFixture<StandbyCluster>
{
    [Fact]
    public async Task Standby_IsInRecovery()
    {
        Assert.True(await server.Cluster.QueryScalarAsync<bool>("SELECT pg_is_in_recovery()"));
    }

    [Fact]
    public async Task RequirePrimary_Standby_Is503_InRecovery()
    {
        await using var app = await PostgresApp.StartAsync(server.ConnectionString("hk-standby-primary"), o =>
        {
            o.RequirePrimary = true;
        });

        var (response, elapsed) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("Unhealthy", entry.GetProperty("status").GetString());
        Assert.Equal("server is in recovery (read-only) and a primary is required", entry.GetProperty("description").GetString());
        Assert.True(entry.GetProperty("data").GetProperty("inRecovery").GetBoolean());
        app.AssertInTime(elapsed);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task WithoutRequirePrimary_Standby_IsHealthy_AndSaysItIsInRecovery()
    {
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-standby-any")));

        var (response, _) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.EndsWith(", server in recovery", entry.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.True(entry.GetProperty("data").GetProperty("inRecovery").GetBoolean());
    }

    [Fact]
    public async Task WritingQuery_Standby_Is503_ReadOnly_25006()
    {
        await using var app = await PostgresApp.StartAsync(server.ConnectionString("hk-standby-write"), o =>
        {
            o.Query = "CREATE TEMPORARY TABLE healthkit_probe (id int)";
        });

        var (response, _) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("server is read-only (SQLSTATE 25006)", PostgresApp.Description(response));
    }
}
