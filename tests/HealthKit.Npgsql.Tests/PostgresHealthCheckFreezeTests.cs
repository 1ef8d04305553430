using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Npgsql.Tests;

/// <summary>
/// A hung database: SIGSTOP on the postmaster and every backend. The kernel still accepts TCP connections and holds
/// pooled ones open, and nothing answers. Every check must time out within its own timeout, then recover after SIGCONT.
/// </summary>
public sealed class PostgresHealthCheckFreezeTests(DedicatedCluster server) : IClassFixture<DedicatedCluster>
{
    [Fact]
    public async Task FrozenServer_EveryCheckTimesOutWithinItsTimeout_ThenRecoversAfterSigcont()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks
                .AddPostgres("owned", o => o.ConnectionString = server.ConnectionString("hk-frozen-owned"))
                .AddPostgres("injected", o => o.DataSourceKey = "app")
                .AddPostgres("cold", o => o.ConnectionString = server.ConnectionString("hk-frozen-cold")),
            services => services.AddKeyedSingleton("app", (sp, _) => PostgresApp.CreateDataSource(sp, server.ConnectionString("hk-frozen-injected"))));

        // Warm the pools of two checks, so that their probes go to a pooled connection; "cold" must connect afresh.
        Assert.Equal("Healthy", (await app.RunCheckAsync("owned")).Result?.Status.ToString());
        Assert.Equal("Healthy", (await app.RunCheckAsync("injected")).Result?.Status.ToString());

        using (server.Cluster.Freeze())
        {
            var (response, elapsed) = await app.GetAsync();

            Assert.Equal(503, response.StatusCode);
            foreach (var name in new[] { "owned", "injected", "cold" })
            {
                Assert.Equal("timed out", PostgresApp.Description(response, name));
            }

            app.AssertAtTimeout(elapsed);

            // The checks themselves, outside the engine, give up at their own deadline too: cancelled by the token, or,
            // for a data source HealthKit built, stopped by the driver's own timeout of the same length.
            foreach (var name in new[] { "owned", "injected", "cold" })
            {
                var (result, checkElapsed) = await app.RunCheckAsync(name);
                Assert.True(result is null || (result.Value.Status == HealthStatus.Unhealthy && result.Value.Description == "timed out"), $"{name}: {result?.Description}");
                app.AssertAtTimeout(checkElapsed);
            }
        }

        await Eventually.WaitUntilAsync(async () => (await app.GetAsync()).Response.StatusCode == 200, TimeSpan.FromSeconds(20));
        var (recovered, _) = await app.GetAsync();
        foreach (var name in new[] { "owned", "injected", "cold" })
        {
            Assert.Equal("Healthy", recovered.Entry(name).GetProperty("status").GetString());
        }

        // What the abandoned probes held went back to the pool or was closed: at most the pool's size, all idle.
        foreach (var applicationName in new[] { "hk-frozen-owned", "hk-frozen-injected", "hk-frozen-cold" })
        {
            await Eventually.WaitUntilAsync(
                async () => await CountAsync(applicationName, "idle") == await CountAsync(applicationName, null),
                TimeSpan.FromSeconds(10));
            Assert.InRange(await CountAsync(applicationName, null), 1, 5);
        }

        app.AssertNoSecrets();
    }

    private Task<long> CountAsync(string applicationName, string? state) => server.Cluster.QueryScalarAsync<long>(
        $"SELECT count(*) FROM pg_stat_activity WHERE application_name = '{applicationName}'" + (state is null ? string.Empty : $" AND state = '{state}'"));
}
