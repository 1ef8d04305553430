using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Npgsql.Tests;

/// <summary>
/// Pool discipline: probes take connections from one pool and give them back. Every probe runs the check (no cache).
/// </summary>
public sealed class PostgresHealthCheckPoolTests(PostgresServer server)
{
    private const int Probes = 500;
    private const int MaxPoolSize = 5;

    [Fact]
    public async Task FiveHundredProbes_ConnectionString_StayWithinThePool_AllIdle()
    {
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-pool-owned", maxPoolSize: MaxPoolSize)));

        await ProbeAsync(app);

        var connections = await server.CountConnectionsAsync("hk-pool-owned");
        TestContext.Current.TestOutputHelper?.WriteLine($"after {Probes} probes: {connections} connection(s) from the app");
        Assert.InRange(connections, 1, MaxPoolSize);
        Assert.Equal(connections, await server.CountConnectionsAsync("hk-pool-owned", "idle"));
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task FiveHundredProbes_DataSourceFromDependencyInjection_StayWithinThePool_AllIdle()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, server.ConnectionString("hk-pool-di", maxPoolSize: MaxPoolSize))));

        await ProbeAsync(app);

        var connections = await server.CountConnectionsAsync("hk-pool-di");
        TestContext.Current.TestOutputHelper?.WriteLine($"after {Probes} probes: {connections} connection(s) from the app");
        Assert.InRange(connections, 1, MaxPoolSize);
        Assert.Equal(connections, await server.CountConnectionsAsync("hk-pool-di", "idle"));
    }

    [Fact]
    public async Task SequentialProbes_ConnectionString_UseOneDataSourceAndOneConnection()
    {
        // A data source per probe would open a connection per probe: each new pool starts empty.
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-pool-once", maxPoolSize: MaxPoolSize)));

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(200, (await app.GetAsync()).Response.StatusCode);
        }

        Assert.Equal(1, await server.CountConnectionsAsync("hk-pool-once"));
        Assert.Single(app.Logs.ForEvent(100, "HealthKitPostgresDataSourceBuilt"));
    }

    [Fact]
    public async Task OwnedDataSource_IsDisposedWithTheApplication_ClosingItsConnections()
    {
        var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-pool-dispose", maxPoolSize: MaxPoolSize)));
        Assert.Equal(200, (await app.GetAsync()).Response.StatusCode);
        Assert.Equal(1, await server.CountConnectionsAsync("hk-pool-dispose"));

        await app.DisposeAsync();

        await Eventually.WaitUntilAsync(async () => await server.CountConnectionsAsync("hk-pool-dispose") == 0, TimeSpan.FromSeconds(5));
    }

    /// <summary>Probes one after another, and proves from each entry's <c>producedAt</c> that every probe ran the check.</summary>
    private static async Task ProbeAsync(PostgresApp app)
    {
        var runs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Probes; i++)
        {
            var (response, elapsed) = await app.GetAsync();
            Assert.True(response.StatusCode == 200, $"probe {i + 1} of {Probes} answered {response.StatusCode} after {elapsed.TotalMilliseconds:0} ms: {response.Body}");
            runs.Add(response.Entry(PostgresHealthChecksBuilderExtensions.DefaultName).GetProperty("producedAt").GetString()!);
        }

        Assert.Equal(Probes, runs.Count);
    }
}
