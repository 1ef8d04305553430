using System.Net;
using System.Text.Json;
using HealthKit.Tests.Infrastructure;

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
        Assert.Equal(["self", "startup", "availability", "database", "disk", "latency"], entries.EnumerateObject().Select(e => e.Name));
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
        Assert.Equal(["startup", "availability", "database", "disk"], ready.GetProperty("entries").EnumerateObject().Select(e => e.Name));
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

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
    }

    public void Dispose() => _factory.Dispose();
}
