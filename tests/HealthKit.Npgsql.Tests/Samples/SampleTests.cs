using System.Net;
using System.Text.Json;
using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace HealthKit.Npgsql.Tests.Samples;

/// <summary>The sample with <c>ConnectionStrings:Postgres</c> set checks PostgreSQL as well as its SQLite database.</summary>
public sealed class SampleTests(PostgresServer server) : IDisposable
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"healthkit-sample-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task Ready_WithPostgresConnectionString_ChecksPostgres()
    {
        using var factory = Sample(server.ConnectionString("hk-sample"));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entries = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("entries");
        Assert.Equal(["startup", "availability", "database", "disk", "postgres"], entries.EnumerateObject().Select(e => e.Name));
        Assert.Equal("Healthy", entries.GetProperty("postgres").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_PostgresRefusing_Is503_NamingTheReason()
    {
        using var factory = Sample(server.ConnectionString("hk-sample-down", port: PostgresHealthCheckTests.ClosedPort()));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var postgres = JsonDocument.Parse(body).RootElement.GetProperty("entries").GetProperty("postgres");
        Assert.Equal("connection refused", postgres.GetProperty("description").GetString());
        Assert.DoesNotContain(server.Password, body, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }

    /// <summary>The sample in Development (full details), its SQLite file in a temporary folder.</summary>
    private WebApplicationFactory<Program> Sample(string postgres) => new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
        .UseEnvironment("Development")
        .UseSetting("ConnectionStrings:Sqlite", $"Data Source={_database}")
        .UseSetting("ConnectionStrings:Postgres", postgres));
}
