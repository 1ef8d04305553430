using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Listeners;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Samples;

public sealed class SampleTests : IDisposable
{
    // No PostgreSQL here, even where the environment sets ConnectionStrings__Postgres; HealthKit.Npgsql.Tests covers it.
    private readonly SampleFactory _factory = new();

    [Fact]
    public async Task Health_ShowsSelfDatabaseDiskAndLatency()
    {
        using var client = _factory.CreateClient();

        var json = await GetJsonAsync(client, "/health");

        var entries = json.GetProperty("entries");
        Assert.Equal(["self", "startup", "availability", "database", "disk", "latency", "memory", "errors"], entries.EnumerateObject().Select(e => e.Name));
        Assert.Equal("Healthy", entries.GetProperty("database").GetProperty("status").GetString());
        Assert.True(entries.GetProperty("database").GetProperty("data").GetProperty("roundTripMs").GetDouble() >= 0);
        Assert.Equal("Healthy", entries.GetProperty("latency").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Live_RunsOnlySelf_Ready_RunsLifecycleDatabaseAndDisk()
    {
        using var client = _factory.CreateClient();

        var live = await GetJsonAsync(client, "/health/live");
        var ready = await GetJsonAsync(client, "/health/ready");

        Assert.Equal(["self"], live.GetProperty("entries").EnumerateObject().Select(e => e.Name));
        Assert.Equal(["startup", "availability", "database", "disk", "memory"], ready.GetProperty("entries").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task OrdinaryEndpoints_Work_AndFeedTheLatencyWindow()
    {
        using var client = _factory.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            using var todos = await client.GetAsync("/todos", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, todos.StatusCode);
        }

        using var slow = await client.GetAsync("/slow?ms=5", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        using var clamped = await client.GetAsync("/slow?ms=-5", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, clamped.StatusCode);

        var latency = (await GetJsonAsync(client, "/health")).GetProperty("entries").GetProperty("latency");
        Assert.Equal(22, latency.GetProperty("data").GetProperty("requestCount").GetInt64());
    }

    [Fact]
    public async Task Post_Gets405()
    {
        using var client = _factory.CreateClient();

        using var response = await client.PostAsync("/health", content: null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task StatusChange_IsLoggedOnce_AndPostedToTheConfiguredWebhook()
    {
        await using var webhook = await WebhookServer.StartAsync((_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
        var logs = new TestLogSink();
        using var factory = _factory.WithWebHostBuilder(builder => builder
            .UseSetting("HealthKit:Checks:database:Query", "SELECT * FROM table_that_does_not_exist")
            .UseSetting("HealthKit:Webhook:Url", webhook.Url.ToString())
            .ConfigureLogging(logging => logging.AddProvider(logs)));
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        using var again = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // The database check runs on /health too, whose status the engine keeps current as well. A request's lifecycle
        // checks may publish before the database does or after, so the order, and whether an endpoint was Healthy first, vary.
        await Eventually.True(() => webhook.Received.Count >= 3);
        var posted = webhook.Received.Select(p => JsonDocument.Parse(p.Body).RootElement).Select(j => (j.GetProperty("kind").GetString(), j.GetProperty("name").GetString(), j.GetProperty("status").GetString())).OrderBy(c => c.Item1 + " " + c.Item2, StringComparer.Ordinal).ToArray();
        Assert.Equal([("check", "database", "Unhealthy"), ("endpoint", "Health", "Unhealthy"), ("endpoint", "Ready", "Unhealthy")], posted);
        await Eventually.True(() => logs.Entries.Count(e => e.EventId.Name == "SampleStatusChanged") >= 3);
        var lines = logs.Entries.Where(e => e.EventId.Name == "SampleStatusChanged").Select(e => e.Message).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("Check 'database' went from nothing to Unhealthy at ", lines[0], StringComparison.Ordinal);
        Assert.Matches("^Endpoint 'Health' went from (nothing|Healthy) to Unhealthy at ", lines[1]);
        Assert.Matches("^Endpoint 'Ready' went from (nothing|Healthy) to Unhealthy at ", lines[2]);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
    }

    public void Dispose() => _factory.Dispose();
}
