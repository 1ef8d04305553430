using HealthKit.Npgsql.Tests.Infrastructure;

namespace HealthKit.Npgsql.Tests;

/// <summary>The server stops while the application runs, mid-query, and comes back; the application is not restarted.</summary>
public sealed class PostgresHealthCheckOutageTests(DedicatedCluster server) : IClassFixture<DedicatedCluster>
{
    [Fact]
    public async Task ServerStoppedMidRun_ThenRestarted_CheckRecoversWithoutRestartingTheApp()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks
                .AddPostgres("postgres", o =>
                {
                    o.ConnectionString = server.ConnectionString("hk-outage");

                    // The first round trip after the restart opens a new connection; on a busy machine it can take
                    // longer than the default 500 ms, which would read as Degraded rather than recovered.
                    o.DegradedThreshold = TimeSpan.FromSeconds(3);
                })
                .AddPostgres("long-query", o =>
                {
                    o.ConnectionString = server.ConnectionString("hk-outage-long");
                    o.Query = "SELECT pg_sleep(30)";
                    o.Tags.Clear();
                }),
            timeout: TimeSpan.FromSeconds(4));

        Assert.Equal(200, (await app.CheckAsync()).Response.StatusCode);

        // Stop the server while a query is on the wire: the session ends with SQLSTATE 57P01.
        var inFlight = app.CheckAsync("long-query");
        await Eventually.WaitUntilAsync(
            async () => await server.Cluster.QueryScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'hk-outage-long' AND state = 'active'") == 1,
            TimeSpan.FromSeconds(3));
        await server.Cluster.StopAsync();
        var (stopped, stoppedElapsed) = await inFlight;
        Assert.Equal(503, stopped.StatusCode);
        Assert.Equal("Unhealthy", stopped.Entry("long-query").GetProperty("status").GetString());
        Assert.Equal("server shutting down (SQLSTATE 57P01)", PostgresApp.Description(stopped, "long-query"));
        Assert.True(stoppedElapsed < app.Timeout, $"answered after {stoppedElapsed}");

        // The idle pooled connection holds the server's goodbye (57P01); the next connection is refused.
        var (down, downElapsed) = await app.GetAsync();
        Assert.Equal(503, down.StatusCode);
        Assert.Equal(["startup", "availability", "postgres"], down.EntryNames);
        Assert.Equal("server shutting down (SQLSTATE 57P01)", PostgresApp.Description(down));
        var (refused, refusedElapsed) = await app.GetAsync();
        Assert.Equal(503, refused.StatusCode);
        Assert.Equal("connection refused", PostgresApp.Description(refused));
        app.AssertInTime(downElapsed);
        app.AssertInTime(refusedElapsed);

        await server.Cluster.StartAsync();
        var (recovered, _) = await app.GetAsync();
        Assert.Equal(200, recovered.StatusCode);
        Assert.Equal("Healthy", recovered.Entry("postgres").GetProperty("status").GetString());
        app.AssertNoSecrets();
    }
}
