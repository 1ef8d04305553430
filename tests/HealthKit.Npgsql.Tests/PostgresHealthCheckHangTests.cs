using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthKit.Npgsql.Tests;

/// <summary>
/// A dependency that accepts TCP and never answers. Npgsql stops watching the token once TCP is connected, so left to
/// itself it waits for its own Timeout (15 s by default); the check must answer within its own timeout (1 s here).
/// </summary>
public sealed class PostgresHealthCheckHangTests(PostgresServer server)
{
    [Fact]
    public async Task Driver_SilentServer_IgnoresTheToken()
    {
        // The premise: without HealthKit, the open outlives a 1 s token and lasts Npgsql's Timeout (3 s here, to be quick).
        using var listener = new SilentListener();
        await using var dataSource = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-raw-hang", port: listener.Port)) { Timeout = 3 }.ConnectionString);
        using var token = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        token.CancelAfter(TimeSpan.FromSeconds(1));

        var started = TimeProvider.System.GetTimestamp();
        await Assert.ThrowsAnyAsync<Exception>(async () => await dataSource.OpenConnectionAsync(token.Token));
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.True(elapsed >= TimeSpan.FromSeconds(2.5), $"the driver gave up after {elapsed}; the silent listener no longer reproduces the hang");
    }

    [Fact]
    public async Task RunCheck_ConnectionString_SilentServer_EndsWithinItsTimeout()
    {
        using var listener = new SilentListener();
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-hang-owned", port: listener.Port)));

        var (result, elapsed) = await app.RunCheckAsync();

        // The driver's timeout was derived from the check's (both 1 s), so either may fire first: the token (the engine then
        // reports "timed out") or the driver (the check describes its timeout as "timed out").
        Assert.True(result is null || result.Value.Description == "timed out", result?.Description);
        app.AssertAtTimeout(elapsed);

        // HealthKit built the data source with Timeout = Command Timeout = 1 s, so the driver itself lets go, long before
        // Npgsql's default of 15 s. It normally closes within a second; the bound leaves room for a loaded machine.
        await Eventually.WaitUntilAsync(() => listener.ClosedByClient == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, listener.Accepted);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task RunCheck_DataSourceFromDependencyInjection_SilentServer_EndsWithinItsTimeout_AndReleasesTheConnectionLater()
    {
        using var listener = new SilentListener();

        // The application's own data source, whose Timeout HealthKit must not change: 3 s here (15 s by default).
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-hang-di", port: listener.Port)) { Timeout = 3 }.ConnectionString;
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, connectionString)));

        var (result, elapsed) = await app.RunCheckAsync();

        Assert.Null(result);
        app.AssertAtTimeout(elapsed);
        Assert.Equal(0, listener.ClosedByClient);

        // When the driver gives up, the abandoned probe's connection is closed: nothing stays checked out of the pool.
        await Eventually.WaitUntilAsync(() => listener.ClosedByClient == 1, TimeSpan.FromSeconds(6));
        Assert.Equal(1, listener.Accepted);
        await Eventually.WaitUntilAsync(() => app.Logs.ForEvent(103, "HealthKitPostgresAbandonedProbeFinished").Any(), TimeSpan.FromSeconds(2));
        Assert.Single(app.Logs.ForEvent(103, "HealthKitPostgresAbandonedProbeFinished"));
        app.AssertNoSecrets();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ready_SilentServer_Is503_TimedOut_WithinTheTimeout(bool fromDependencyInjection)
    {
        using var listener = new SilentListener();
        var connectionString = server.ConnectionString("hk-hang-http", port: listener.Port);
        await using var app = fromDependencyInjection
            ? await PostgresApp.StartAsync(checks => checks.AddPostgres(), services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, connectionString)))
            : await PostgresApp.StartAsync(checks => checks.AddPostgres(connectionString));

        var (response, elapsed) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("Unhealthy", response.Status);
        Assert.Equal("timed out", PostgresApp.Description(response));
        app.AssertAtTimeout(elapsed);

        // Giving up at the deadline is expected, not an error: the check logs it at Debug (abandoned at the token, or
        // failed on the driver's own timeout of the same length); the status change is the core's to log. The response
        // can leave before the check has logged, as both wait for the same deadline.
        await Eventually.WaitUntilAsync(() => app.Logs.Entries.Any(e => e.EventId.Id is 101 or 102), TimeSpan.FromSeconds(2));
        Assert.Single(app.Logs.Entries, e => e.EventId.Id is 101 or 102 && e.Level == LogLevel.Debug);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Category.StartsWith("HealthKit.Npgsql", StringComparison.Ordinal) && e.Level >= LogLevel.Warning);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_SilentServer_RepeatedProbes_HoldOneConnection_NotOnePerProbe()
    {
        using var listener = new SilentListener();
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-hang-repeat", port: listener.Port)) { Timeout = 30 }.ConnectionString;
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, connectionString)),
            timeout: TimeSpan.FromMilliseconds(300));

        for (var i = 0; i < 5; i++)
        {
            var (response, elapsed) = await app.GetAsync();
            Assert.Equal(503, response.StatusCode);
            Assert.Equal("timed out", PostgresApp.Description(response));
            app.AssertInTime(elapsed);
        }

        // Later runs waited for the abandoned probe instead of opening another connection. (A probe that arrives while
        // the engine is still publishing the previous run joins that run, so not every probe starts one.)
        Assert.Equal(1, listener.Accepted);
        Assert.InRange(app.Logs.ForEvent(104, "HealthKitPostgresWaitingForAbandonedProbe").Count(), 1, 4);
        app.AssertNoSecrets();
    }
}
