using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Telemetry;

/// <summary>Probe requests are kept out of the application's request metrics, and can be filtered out of its traces.</summary>
public sealed class ProbeNoiseTests
{
    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string RequestDuration = "http.server.request.duration";

    private static Task<TestHost> Start(IDictionary<string, string?>? configuration = null, Action<WebApplication>? map = null) =>
        TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("db", () => HealthCheckResult.Healthy()),
            map: map ?? (app =>
            {
                app.MapHealthKit();
                app.MapGet("/work", () => "done");
            }),
            configuration: configuration);

    [Fact]
    public async Task RequestDuration_ByDefault_RecordsTheAppsRequests_NotProbes()
    {
        await using var host = await Start();
        using var meter = new MeterCapture(host.Services, HostingMeter);

        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup", "/health/checks/db" })
        {
            Assert.Equal(200, (await host.GetAsync(path)).StatusCode);
        }

        Assert.Equal(200, (await host.GetAsync("/work")).StatusCode);

        // The measurement is taken once the response has completed, which the client can see first.
        await Eventually.True(() => meter.Recorded.Where(RequestDuration).Length > 0);
        var recorded = meter.Recorded.Where(RequestDuration);
        Assert.Equal(["/work"], recorded.Select(r => r.Tags["http.route"]));
    }

    [Fact]
    public async Task RequestDuration_RecordHttpMetricsOn_RecordsProbesToo()
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:RecordHttpMetrics"] = "true" });
        using var meter = new MeterCapture(host.Services, HostingMeter);

        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);

        await Eventually.True(() => meter.Recorded.Where(RequestDuration).Length > 0);
        Assert.Equal(["/health/live"], meter.Recorded.Where(RequestDuration).Select(r => r.Tags["http.route"]));
    }

    [Theory]
    [InlineData("/health", true)]
    [InlineData("/health/", true)]
    [InlineData("/health/live", true)]
    [InlineData("/HEALTH/Ready/", true)]
    [InlineData("/health/startup", true)]
    [InlineData("/health/checks/db", true)]
    [InlineData("/health/checks/anything", true)]
    [InlineData("/health/checks/", false)]
    [InlineData("/health/checks/db/more", false)]
    [InlineData("/health/other", false)]
    [InlineData("/healthz", false)]
    [InlineData("/work", false)]
    [InlineData("/", false)]
    public async Task IsHealthKitRequest_BeforeRouting_MatchesTheMappedPaths(string path, bool expected)
    {
        await using var host = await Start();

        Assert.Equal(expected, HealthKitTelemetry.IsHealthKitRequest(Request(host.Services, path)));
    }

    [Theory]
    [InlineData("/probes", true)]
    [InlineData("/probes/alive", true)]
    [InlineData("/probes/checks/db", true)]
    [InlineData("/health", false)]
    [InlineData("/health/live", false)]
    [InlineData("/probes/ready", false)]
    public async Task IsHealthKitRequest_CustomPrefixAndPaths_FollowsTheConfiguration(string path, bool expected)
    {
        await using var host = await Start(
            new Dictionary<string, string?>
            {
                ["HealthKit:Endpoints:Live:Path"] = "alive",
                ["HealthKit:Endpoints:Ready:Enabled"] = "false",
            },
            app => app.MapHealthKit("/probes"));

        Assert.Equal(expected, HealthKitTelemetry.IsHealthKitRequest(Request(host.Services, path)));
    }

    [Fact]
    public async Task IsHealthKitRequest_AfterRouting_DecidedByTheEndpoint()
    {
        await using var host = await Start();
        var context = Request(host.Services, "/health");

        // An endpoint already chosen wins over the path: this one is the application's, whatever its path.
        context.SetEndpoint(new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(), "app"));

        Assert.False(HealthKitTelemetry.IsHealthKitRequest(context));
    }

    [Fact]
    public void IsHealthKitRequest_WithoutHealthKit_IsFalse()
    {
        using var services = new ServiceCollection().BuildServiceProvider();

        Assert.False(HealthKitTelemetry.IsHealthKitRequest(Request(services, "/health")));
    }

    private static DefaultHttpContext Request(IServiceProvider services, string path) =>
        new() { RequestServices = services, Request = { Path = path } };
}
