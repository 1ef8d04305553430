using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

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
        Assert.Equal(200, (await app.CheckAsync("owned")).Response.StatusCode);
        Assert.Equal(200, (await app.CheckAsync("injected")).Response.StatusCode);

        using (server.Cluster.Freeze())
        {
            var (response, elapsed) = await app.GetAsync();

            Assert.Equal(503, response.StatusCode);
            foreach (var name in new[] { "owned", "injected", "cold" })
            {
                Assert.Equal("timed out", PostgresApp.Description(response, name));
            }

            app.AssertAtTimeout(elapsed);

            // Each check answers its cancellation at once; once the engine has heard that, the next request reaches the
            // check itself, and not the engine's "the previous run has not returned".
            await app.WaitUntilSettledAsync("owned", "injected", "cold");

            // Each check again, alone, "cold" first. Its probe connected afresh, and the driver gave up on that connection
            // at its connect timeout, the check's own, so it probes afresh and is cut at its timeout. By the time the
            // other two run, their abandoned probes are more than a run's answering time old: whether Npgsql is still
            // cancelling their commands (it waits 2 s for the frozen server by default) or has let go, each probes again
            // (outside the pool, or from it) and is cut at its own timeout; none waits behind its hung probe.
            foreach (var name in new[] { "cold", "owned", "injected" })
            {
                var (alone, aloneElapsed) = await app.CheckAsync(name);
                Assert.Equal(503, alone.StatusCode);
                Assert.Equal("timed out", PostgresApp.Description(alone, name));
                app.AssertAtTimeout(aloneElapsed);
                await app.WaitUntilSettledAsync(name);
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
