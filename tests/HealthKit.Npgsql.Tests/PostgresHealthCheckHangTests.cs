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
    public async Task Check_ConnectionString_SilentServer_Is503TimedOut_AndTheDriverClosesTheConnection()
    {
        using var listener = new SilentListener();

        // A check timeout of 1.5 s gives the data source HealthKit builds a driver timeout of 2 s (rounded up), so the
        // check's token fires half a second before the driver's. With a whole number of seconds both are equal and either
        // may fire first; when Npgsql's own fires first during the connection's handshake, Npgsql also opens a second
        // connection to send a cancel request. This test counts connections, so it keeps the order fixed.
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(server.ConnectionString("hk-hang-owned", port: listener.Port)),
            timeout: TimeSpan.FromSeconds(1.5));

        var (response, elapsed) = await app.CheckAsync();

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("timed out", PostgresApp.Description(response));
        app.AssertAtTimeout(elapsed);

        // HealthKit built the data source with Timeout = Command Timeout = 2 s, so the driver itself lets go, before
        // Npgsql's default of 15 s would. It normally closes two seconds after connecting; on a machine running every test
        // project and a browser at once the close has been seen to wait more than 12 s for a thread, so the wait is
        // long and the bound is on how long the connection stayed open, which the default would make at least 15 s.
        await Eventually.WaitUntilAsync(() => listener.ClosedByClient == 1, TimeSpan.FromSeconds(30));
        Assert.True(listener.LastOpenFor < TimeSpan.FromSeconds(15), $"the driver kept the silent connection open for {listener.LastOpenFor}");
        Assert.Equal(1, listener.Accepted);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Check_DataSourceFromDependencyInjection_SilentServer_IsAbandonedAtItsTimeout_AndReleasesTheConnectionLater()
    {
        using var listener = new SilentListener();

        // The application's own data source, whose Timeout HealthKit must not change: 3 s here (15 s by default).
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-hang-di", port: listener.Port)) { Timeout = 3 }.ConnectionString;
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, connectionString)));

        var (response, elapsed) = await app.CheckAsync();

        // Only the check's token can end this run within 1 s: the check stops waiting (event 102) and the engine reports
        // the run as timed out. The driver is still connecting.
        Assert.Equal(503, response.StatusCode);
        Assert.Equal("timed out", PostgresApp.Description(response));
        app.AssertAtTimeout(elapsed);
        await Eventually.WaitUntilAsync(() => app.Logs.ForEvent(102, "HealthKitPostgresProbeAbandoned").Any(), TimeSpan.FromSeconds(2));
        Assert.Empty(app.Logs.ForEvent(101, "HealthKitPostgresProbeFailed"));
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
    public async Task Ready_SilentServer_RepeatedProbes_HoldOnePooledConnection_AndNoOtherForLong()
    {
        using var listener = new SilentListener();
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-hang-repeat", port: listener.Port)) { Timeout = 0 }.ConnectionString;
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, connectionString)),
            timeout: TimeSpan.FromMilliseconds(300));

        var descriptions = new List<string?>();
        for (var i = 0; i < 6; i++)
        {
            var (response, elapsed) = await app.GetAsync();
            Assert.Equal(503, response.StatusCode);
            descriptions.Add(PostgresApp.Description(response));
            app.AssertInTime(elapsed);

            // The check answers its cancellation at once (its probe goes on without it); the engine hears that answer on
            // another thread. Waiting for it makes the next probe reach the check, whose words are then the ones to see.
            await app.WaitUntilSettledAsync(PostgresHealthChecksBuilderExtensions.DefaultName);
        }

        // The first probe hung; the next one said so; after that, each probe tried a connection of its own outside the
        // pool, which the driver closes within 1 s (the check's timeout, rounded up).
        Assert.Equal("timed out", descriptions[0]);
        Assert.StartsWith("previous probe still hung after ", descriptions[1], StringComparison.Ordinal);
        Assert.All(descriptions.Skip(2), d => Assert.Equal("timed out", d));
        Assert.InRange(listener.Accepted, 2, 6);
        Assert.Single(app.Logs.ForEvent(108, "HealthKitPostgresProbingOutsidePool"));

        // With no connect timeout, the first connection never ends; every other one does. One hung connection, not one per
        // probe.
        await Eventually.WaitUntilAsync(() => listener.SilentOpen == 1, TimeSpan.FromSeconds(5));
        Assert.Equal(listener.Accepted - 1, listener.ClosedByClient);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_DataSourceWithoutConnectTimeout_ServerSilentOnce_RecoversOnceTheHungProbeIsATimeoutOld()
    {
        // The first connection hangs for good (Timeout=0: the driver never gives up on it); the server answers every later
        // one. The application's own queries work at once; the check must not wait behind its hung probe for ever.
        using var proxy = new SilentListener(silentConnections: 1, forwardTo: server.Port);
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-hang-once", port: proxy.Port)) { Timeout = 0 }.ConnectionString;
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, connectionString)));

        var (hung, hungElapsed) = await app.GetAsync();
        Assert.Equal(503, hung.StatusCode);
        Assert.Equal("timed out", PostgresApp.Description(hung));
        app.AssertAtTimeout(hungElapsed);

        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var command = dataSource.CreateCommand("SELECT 1"))
        {
            Assert.Equal(1, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }

        // Within the check's timeout of the abandonment, a run waits for the hung probe and answers before its own deadline.
        var (waiting, waitingElapsed) = await app.GetAsync();
        Assert.Equal(503, waiting.StatusCode);
        Assert.StartsWith("previous probe still hung after ", PostgresApp.Description(waiting), StringComparison.Ordinal);
        app.AssertInTime(waitingElapsed);

        // The next run is past that bound: it probes over a connection of its own and sees the server answer.
        var (recovered, recoveredElapsed) = await app.GetAsync();
        Assert.Equal(200, recovered.StatusCode);
        var entry = recovered.Entry("postgres");
        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.True(entry.GetProperty("data").GetProperty("outsidePool").GetBoolean());
        app.AssertInTime(recoveredElapsed);

        // It stays healthy while the hung connection stays the only one, and hung.
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await app.GetAsync()).Response.StatusCode);
        }

        Assert.Equal(1, proxy.Silent);
        Assert.Equal(1, proxy.SilentOpen);
        Assert.Single(app.Logs.ForEvent(108, "HealthKitPostgresProbingOutsidePool"));

        // Said once at startup: this data source can hang with no bound.
        var warning = Assert.Single(app.Logs.ForEvent(105, "HealthKitPostgresDataSourceWithoutTimeout"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("the NpgsqlDataSource from DI", warning.Message, StringComparison.Ordinal);
        Assert.Contains("no connect timeout (Timeout=0)", warning.Message, StringComparison.Ordinal);
        app.AssertNoSecrets();
    }
}
