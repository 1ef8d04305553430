using System.Net;
using System.Text.Json;
using HealthKit.Npgsql.Tests.Infrastructure;

namespace HealthKit.Npgsql.Tests.Samples;

/// <summary>The sample with <c>ConnectionStrings:Postgres</c> set checks PostgreSQL as well as its SQLite database.</summary>
public sealed class SampleTests(PostgresServer server)
{
    [Fact]
    public async Task Ready_WithPostgresConnectionString_ChecksPostgres()
    {
        using var factory = Sample(server.ConnectionString("hk-sample"));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var entries = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("entries");
        Assert.Equal(["startup", "availability", "database", "disk", "memory", "postgres"], entries.EnumerateObject().Select(e => e.Name));
        Assert.Equal("Healthy", entries.GetProperty("postgres").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_PostgresRefusing_Is503_NamingTheReason()
    {
        using var factory = Sample(server.ConnectionString("hk-sample-down", port: LoopbackPorts.Unused()));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var postgres = JsonDocument.Parse(body).RootElement.GetProperty("entries").GetProperty("postgres");
        Assert.Equal("connection refused", postgres.GetProperty("description").GetString());
        Assert.DoesNotContain(server.Password, body, StringComparison.Ordinal);
    }

    /// <summary>The sample in Development (full details), its SQLite file in a temporary folder.</summary>
    private static SampleFactory Sample(string postgres) => new("Development", postgres);
}
