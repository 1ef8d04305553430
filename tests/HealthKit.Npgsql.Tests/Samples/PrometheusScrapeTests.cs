using System.Net;
using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace HealthKit.Npgsql.Tests.Samples;

/// <summary>
/// The sample's <c>/metrics</c>, scraped as Prometheus scrapes it, follows PostgreSQL going down and coming back, with no
/// probe to any health endpoint: the postgres check runs in the background.
/// </summary>
/// <remarks>
/// OpenTelemetry's meter provider listens to every meter named <c>HealthKit</c> in the process, not only its own
/// application's: run alone, or the other tests' applications would show up in the scrape.
/// </remarks>
[Collection(nameof(PrometheusScrapeTests))]
[CollectionDefinition(nameof(PrometheusScrapeTests), DisableParallelization = true)]
public sealed partial class PrometheusScrapeTests(DedicatedCluster server) : IClassFixture<DedicatedCluster>, IDisposable
{
    /// <summary>The Accept header Prometheus sends: OpenMetrics first, the classic text format as a fallback.</summary>
    private const string PrometheusAccept =
        "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private readonly string _database = Path.Combine(Path.GetTempPath(), $"healthkit-sample-{Guid.NewGuid():N}.db");

    [Fact]
    public async Task Metrics_PostgresStoppedAndStarted_SeriesFollowIt_AndTheScrapeStaysAt200()
    {
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseSetting("ConnectionStrings:Sqlite", $"Data Source={_database}")
            .UseSetting("ConnectionStrings:Postgres", server.ConnectionString("hk-prometheus"))
            .UseSetting("Sample:Prometheus", "true")
            .UseSetting("HealthKit:Checks:postgres:Mode", "Background")
            .UseSetting("HealthKit:Checks:postgres:Period", "00:00:00.200"));
        using var client = factory.CreateClient();

        var up = await ScrapeUntilAsync(client, s => s.Value(CheckStatus("postgres", "healthy")) == 1);
        Assert.Null(up.Value(CheckStatus("postgres", "unhealthy")));
        Assert.Equal(1, up.Value(EndpointStatus("ready", "healthy")));
        Assert.True(up.Value("healthkit_check_age_seconds", ("healthkit_check_name", "postgres")) < 5);
        Assert.True(up.Value("healthkit_check_runs_total", ("healthkit_check_name", "postgres"), ("healthkit_check_outcome", "healthy")) >= 1);

        await server.Cluster.StopAsync();
        var down = await ScrapeUntilAsync(client, s => s.Value(CheckStatus("postgres", "unhealthy")) == 1);
        Assert.Equal(0, down.Value(CheckStatus("postgres", "healthy")));
        Assert.Equal(1, down.Value(EndpointStatus("ready", "unhealthy")));
        Assert.Equal(0, down.Value(EndpointStatus("ready", "healthy")));

        // Nothing probed /health/live, and scrapes start no run: the on-demand self check has no result to report.
        Assert.Null(down.Value(CheckStatus("self", "healthy")));
        Assert.Null(down.Value(EndpointStatus("live", "healthy")));
        Assert.DoesNotContain(server.Cluster.SuperuserPassword, down.Text, StringComparison.Ordinal);

        await server.Cluster.StartAsync();
        var back = await ScrapeUntilAsync(client, s => s.Value(CheckStatus("postgres", "healthy")) == 1);
        Assert.Equal(0, back.Value(CheckStatus("postgres", "unhealthy")));
        Assert.Equal(1, back.Value(EndpointStatus("ready", "healthy")));
        Assert.Equal(0, back.Value(EndpointStatus("ready", "unhealthy")));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }

    private static (string, (string, string)[]) CheckStatus(string check, string status) =>
        ("healthkit_check_status", [("healthkit_check_name", check), ("healthkit_status", status)]);

    private static (string, (string, string)[]) EndpointStatus(string endpoint, string status) =>
        ("healthkit_endpoint_status", [("healthkit_endpoint_name", endpoint), ("healthkit_status", status)]);

    private static async Task<PrometheusScrape> ScrapeUntilAsync(HttpClient client, Func<PrometheusScrape, bool> condition)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.TryAddWithoutValidation("Accept", PrometheusAccept);
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

            // Prometheus treats any other status as a failed scrape, whatever the health of the application.
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var scrape = PrometheusScrape.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
            if (condition(scrape))
            {
                return scrape;
            }

            Assert.True(TimeProvider.System.GetElapsedTime(started) < Limit, $"the scrape did not show the change within {Limit}:\n{scrape.Text}");
            await Task.Delay(TimeSpan.FromMilliseconds(100), TestContext.Current.CancellationToken);
        }
    }
}
