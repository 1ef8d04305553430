using System.Globalization;
using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthKit.Npgsql.Tests;

/// <summary>The check against a real server: a healthy one, and the faults a client can cause or meet on connect.</summary>
public sealed class PostgresHealthCheckTests(PostgresServer server)
{
    [Fact]
    public async Task Ready_HealthyServer_Is200_WithRoundTripVersionRecoveryAndDatabase()
    {
        // A first connect (SCRAM included) is part of the round trip; on a busy machine it may take more than the default
        // 1 s, which is not what this test is about.
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-healthy")), timeout: TimeSpan.FromSeconds(4));

        var (response, elapsed) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.StartsWith("round trip took ", entry.GetProperty("description").GetString(), StringComparison.Ordinal);
        var data = entry.GetProperty("data");
        // The round trip is part of the run the engine timed, and a first connect is part of the round trip.
        var duration = TimeSpan.Parse(entry.GetProperty("duration").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(data.GetProperty("roundTripMs").GetDouble(), 0.01, duration.TotalMilliseconds);
        Assert.Matches(@"^\d+(\.\d+)?", data.GetProperty("serverVersion").GetString());
        Assert.False(data.GetProperty("inRecovery").GetBoolean());
        Assert.Equal(server.Database, data.GetProperty("database").GetString());
        Assert.Equal($"{server.Host}:{server.Port}", data.GetProperty("server").GetString());
        Assert.Equal(["ready"], entry.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        app.AssertInTime(elapsed);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_AcceptHealthJson_PostgresResponseTimeIsTheRoundTrip()
    {
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-health-json")));

        var healthJson = await app.Host.GetAsync("/health/ready", "application/health+json");

        Assert.Equal(200, healthJson.StatusCode);
        Assert.Equal("application/health+json", healthJson.ContentType);
        Assert.Equal("pass", healthJson.Json.GetProperty("status").GetString());
        var observation = Assert.Single(healthJson.Json.GetProperty("checks").GetProperty("postgres:responseTime").EnumerateArray());
        Assert.Equal("datastore", observation.GetProperty("componentType").GetString());
        Assert.Equal("ms", observation.GetProperty("observedUnit").GetString());
        // The test app reuses no result, so the JSON's roundTripMs would be another run's; the value is a real round trip.
        Assert.InRange(observation.GetProperty("observedValue").GetDouble(), 0.01, PostgresApp.DefaultTimeout.TotalMilliseconds);
        Assert.Equal("postgres", observation.GetProperty("componentId").GetString());
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_Production_ShowsStatusOnly()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(server.ConnectionString("hk-production", password: PostgresCluster.NewSecret("wrong"))),
            environment: "Production");

        var (response, _) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("Unhealthy", response.Status);
        Assert.False(response.Json.TryGetProperty("entries", out _));
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_WrongPassword_Is503_AuthenticationFailed_28P01()
    {
        var wrong = PostgresCluster.NewSecret("wrong");
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-wrong-password", password: wrong)));

        var (response, elapsed) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("authentication failed (SQLSTATE 28P01)", entry.GetProperty("description").GetString());
        Assert.Equal("28P01", entry.GetProperty("data").GetProperty("sqlState").GetString());
        Assert.False(entry.TryGetProperty("exception", out _));
        app.AssertInTime(elapsed);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_MissingDatabase_Is503_DatabaseDoesNotExist_3D000()
    {
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-missing-db", database: "healthkit_no_such_database")));

        var (response, elapsed) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("database does not exist (SQLSTATE 3D000)", entry.GetProperty("description").GetString());
        Assert.Equal("healthkit_no_such_database", entry.GetProperty("data").GetProperty("database").GetString());
        app.AssertInTime(elapsed);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_NothingListening_Is503_ConnectionRefused()
    {
        var port = LoopbackPorts.Unused();
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-refused", port: port)));

        var (response, elapsed) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("Unhealthy", entry.GetProperty("status").GetString());
        Assert.Equal("connection refused", entry.GetProperty("description").GetString());
        Assert.Equal($"{server.Host}:{port}", entry.GetProperty("data").GetProperty("server").GetString());
        app.AssertInTime(elapsed);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_FailingQuery_Is503_QueryFailedWithSqlState()
    {
        await using var app = await PostgresApp.StartAsync(server.ConnectionString("hk-query"), o =>
        {
            o.Query = "SELECT 1 FROM healthkit_no_such_table";
        });

        var (response, _) = await app.GetAsync();

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("query failed (SQLSTATE 42P01)", PostgresApp.Description(response));
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Ready_SlowRoundTrip_IsDegraded_Above_Threshold()
    {
        await using var app = await PostgresApp.StartAsync(server.ConnectionString("hk-degraded"), o =>
        {
            o.Query = "SELECT pg_sleep(0.3)";
            o.DegradedThreshold = TimeSpan.FromMilliseconds(100);
        });

        var (response, _) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        var entry = response.Entry("postgres");
        Assert.Equal("Degraded", entry.GetProperty("status").GetString());
        Assert.InRange(entry.GetProperty("data").GetProperty("roundTripMs").GetDouble(), 300, 1000);
        Assert.EndsWith(", above 100 ms", entry.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_FailureStatusDegraded_ReportsDegraded()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(server.ConnectionString("hk-failure-status", port: LoopbackPorts.Unused())),
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:postgres:FailureStatus"] = "Degraded" });

        var (response, _) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Degraded", response.Entry("postgres").GetProperty("status").GetString());
    }

    [Fact]
    public async Task IncludeExceptionDetails_ShowsDriverMessage_ButNeverThePassword()
    {
        var wrong = PostgresCluster.NewSecret("wrong");
        await using var app = await PostgresApp.StartAsync(
            checks => checks
                .AddPostgres("auth", o => o.ConnectionString = server.ConnectionString("hk-details-auth", password: wrong))
                .AddPostgres("refused", o => o.ConnectionString = server.ConnectionString("hk-details-refused", password: wrong, port: LoopbackPorts.Unused())),
            configuration: new Dictionary<string, string?> { ["HealthKit:IncludeExceptionDetails"] = "true" });

        var (response, _) = await app.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Contains("password authentication failed", response.Entry("auth").GetProperty("exception").GetString(), StringComparison.Ordinal);
        Assert.Equal("authentication failed (SQLSTATE 28P01)", PostgresApp.Description(response, "auth"));
        Assert.Equal("connection refused", PostgresApp.Description(response, "refused"));
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task DataSourceFromDependencyInjection_IsUsedAsItIs_ItsPoolServesTheProbe()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, server.ConnectionString("hk-di"))));

        var (response, _) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Healthy", response.Entry("postgres").GetProperty("status").GetString());

        // The probe's connection went back to the application's own pool: the application's next connection is that very
        // backend. A data source built from the same connection string would have a pool of its own, and the application
        // would get a second backend.
        Assert.Equal(1, await server.CountConnectionsAsync("hk-di"));
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            Assert.Equal(1, await server.CountConnectionsAsync("hk-di"));
            Assert.Equal(1, await server.CountConnectionsAsync("hk-di", "idle"));
        }

        // Default timeouts and a pool of 5: nothing to warn about.
        Assert.DoesNotContain(app.Logs.Entries, e => e.EventId.Id is 105 or 106);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task KeyedDataSource_WithoutTimeouts_AndAPoolOfTwo_WarnsOnceAtStartup_NamingItsKey()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-warn", maxPoolSize: 2)) { Timeout = 0, CommandTimeout = 0 }.ConnectionString;
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres("orders", o => o.DataSourceKey = "orders"),
            services => services.AddKeyedSingleton("orders", (sp, _) => PostgresApp.CreateDataSource(sp, connectionString)));

        Assert.Equal(200, (await app.GetAsync()).Response.StatusCode);
        Assert.Equal(200, (await app.GetAsync()).Response.StatusCode);

        var timeouts = Assert.Single(app.Logs.ForEvent(105, "HealthKitPostgresDataSourceWithoutTimeout"));
        Assert.Equal(LogLevel.Warning, timeouts.Level);
        Assert.Contains("PostgreSQL check 'orders' uses the keyed NpgsqlDataSource 'orders', which has no connect timeout (Timeout=0) and no command timeout (Command Timeout=0)", timeouts.Message, StringComparison.Ordinal);
        var pool = Assert.Single(app.Logs.ForEvent(106, "HealthKitPostgresSmallPool"));
        Assert.Equal(LogLevel.Warning, pool.Level);
        Assert.Contains("the keyed NpgsqlDataSource 'orders', whose Maximum Pool Size is 2", pool.Message, StringComparison.Ordinal);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task OwnedDataSource_NeverWarnsAboutSettings()
    {
        // HealthKit sets the timeouts of a data source it builds, and the pool is the check's alone.
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(
            new NpgsqlConnectionStringBuilder(server.ConnectionString("hk-owned-warn", maxPoolSize: 1)) { Timeout = 0 }.ConnectionString));

        Assert.Equal(200, (await app.GetAsync()).Response.StatusCode);
        Assert.DoesNotContain(app.Logs.Entries, e => e.EventId.Id is 105 or 106);
    }

    [Fact]
    public async Task Ready_PoolOfOneHeldByTheApplication_IsDegraded_NoPooledConnectionFree()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres(),
            services => services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, server.ConnectionString("hk-pool-busy", maxPoolSize: 1))),
            timeout: TimeSpan.FromSeconds(3));
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();

        await using (var held = await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken))
        {
            for (var i = 0; i < 3; i++)
            {
                var (response, elapsed) = await app.GetAsync();

                // The server was never asked: the instance is busy, not cut off from its database, so it stays in rotation.
                Assert.True(response.StatusCode == 200, $"probe {i}: {response.StatusCode} {response.Body}");
                var entry = response.Entry("postgres");
                Assert.Equal("Degraded", entry.GetProperty("status").GetString());
                Assert.Matches(@"^no pooled connection free within \d+ ms \(pool size 1\)$", entry.GetProperty("description").GetString());
                Assert.Equal(1, entry.GetProperty("data").GetProperty("poolSize").GetInt32());
                app.AssertInTime(elapsed);
            }

            Assert.Equal(1, await server.CountConnectionsAsync("hk-pool-busy"));
        }

        var (released, _) = await app.GetAsync();
        Assert.Equal(200, released.StatusCode);
        Assert.Equal("Healthy", released.Entry("postgres").GetProperty("status").GetString());
        Assert.Equal(3, app.Logs.ForEvent(107, "HealthKitPostgresPoolBusy").Count());
        Assert.Contains("the NpgsqlDataSource from DI, whose Maximum Pool Size is 1", Assert.Single(app.Logs.ForEvent(106, "HealthKitPostgresSmallPool")).Message, StringComparison.Ordinal);
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task KeyedDataSource_IsChosenByDataSourceKey()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres("orders", o => o.DataSourceKey = "orders"),
            services =>
            {
                services.AddSingleton(sp => PostgresApp.CreateDataSource(sp, server.ConnectionString("hk-unkeyed", port: LoopbackPorts.Unused())));
                services.AddKeyedSingleton("orders", (sp, _) => PostgresApp.CreateDataSource(sp, server.ConnectionString("hk-keyed")));
            });

        var (response, _) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Healthy", response.Entry("orders").GetProperty("status").GetString());
        Assert.Equal(1, await server.CountConnectionsAsync("hk-keyed"));
    }

    [Fact]
    public async Task ConnectionStringName_ReadsConnectionStrings()
    {
        await using var app = await PostgresApp.StartAsync(
            checks => checks.AddPostgres("Orders"),
            configuration: new Dictionary<string, string?> { ["ConnectionStrings:Orders"] = server.ConnectionString("hk-named") });

        var (response, _) = await app.GetAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("Healthy", response.Entry("postgres").GetProperty("status").GetString());
        Assert.Equal(1, await server.CountConnectionsAsync("hk-named"));
        app.AssertNoSecrets();
    }

    [Fact]
    public async Task Check_HealthyServer_AnswersForThatCheckAlone()
    {
        await using var app = await PostgresApp.StartAsync(checks => checks.AddPostgres(server.ConnectionString("hk-direct")), timeout: TimeSpan.FromSeconds(4));

        var (response, elapsed) = await app.CheckAsync();

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["postgres"], response.EntryNames);
        var entry = response.Entry("postgres");
        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.False(entry.GetProperty("data").GetProperty("inRecovery").GetBoolean());
        Assert.False(entry.TryGetProperty("exception", out _));

        // A first connect, SCRAM included, on a machine that may be busy: the bound is the timeout plus the margin.
        app.AssertInTime(elapsed);
    }
}
