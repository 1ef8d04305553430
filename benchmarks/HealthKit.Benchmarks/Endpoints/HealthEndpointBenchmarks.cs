using BenchmarkDotNet.Attributes;
using HealthChecks.UI.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// One request to a health endpoint whose checks are all cheap, through the whole in-process pipeline: HealthKit's
/// <c>MapHealthKit</c> against ASP.NET Core's <c>MapHealthChecks</c>, with the same check registrations.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class HealthEndpointBenchmarks
{
    /// <summary>Every registered check, in registration order, as <c>/health</c> lists them at <c>Components</c>.</summary>
    private const string ComponentsEntries =
        "\"entries\":{\"self\":{\"status\":\"Healthy\"},\"startup\":{\"status\":\"Healthy\"},\"availability\":{\"status\":\"Healthy\"},"
        + "\"disk\":{\"status\":\"Healthy\"},\"first\":{\"status\":\"Healthy\"},\"second\":{\"status\":\"Healthy\"},\"third\":{\"status\":\"Healthy\"}}}";

    private InProcessApp _healthKit = null!;
    private InProcessApp _healthKitFull = null!;
    private InProcessApp _aspNetCore = null!;
    private ReusableRequest _healthKitComponents = null!;
    private ReusableRequest _healthKitFullDetail = null!;
    private ReusableRequest _healthKitLive = null!;
    private ReusableRequest _aspNetCoreText = null!;
    private ReusableRequest _aspNetCoreJson = null!;
    private ReusableRequest _aspNetCoreLive = null!;
    private ReusableRequest _noEndpoint = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _healthKit = await InProcessApp.StartAsync(AddChecks, app => app.MapHealthKit());
        _healthKitFull = await InProcessApp.StartAsync(
            AddChecks,
            app => app.MapHealthKit(),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Health:DetailLevel"] = "Full" });
        _aspNetCore = await InProcessApp.StartAsync(AddChecksForMicrosoftsService, app =>
        {
            app.MapHealthChecks("/health");
            app.MapHealthChecks("/health/json", new HealthCheckOptions { ResponseWriter = UIResponseWriter.WriteHealthCheckUIResponse });
            app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(HealthKitTags.Live) });
        });

        _healthKitComponents = await WarmAsync(_healthKit.CreateRequest("/health"), ComponentsEntries);
        _healthKitFullDetail = await WarmAsync(_healthKitFull.CreateRequest("/health"), "\"description\":\"first\"");
        await AssertCachedAsync(_healthKitFullDetail);
        _healthKitLive = await WarmAsync(_healthKit.CreateRequest("/health/live"), "{\"status\":\"Healthy\",\"totalDuration\":");
        _aspNetCoreText = await WarmAsync(_aspNetCore.CreateRequest("/health"), "Healthy");
        _aspNetCoreJson = await WarmAsync(_aspNetCore.CreateRequest("/health/json"), "\"description\":\"first\"");
        _aspNetCoreLive = await WarmAsync(_aspNetCore.CreateRequest("/health/live"), "Healthy");
        _noEndpoint = await WarmAsync(_healthKit.CreateRequest("/nothing"), string.Empty, StatusCodes.Status404NotFound);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _healthKit.DisposeAsync();
        await _healthKitFull.DisposeAsync();
        await _aspNetCore.DisposeAsync();
    }

    [Benchmark(Description = "HealthKit /health (Components)")]
    public Task HealthKitComponents() => _healthKitComponents.InvokeAsync();

    [Benchmark(Description = "HealthKit /health (Full)")]
    public Task HealthKitFull() => _healthKitFullDetail.InvokeAsync();

    [Benchmark(Description = "HealthKit /health/live (Status)")]
    public Task HealthKitLive() => _healthKitLive.InvokeAsync();

    [Benchmark(Description = "MapHealthChecks /health (text)")]
    public Task AspNetCoreText() => _aspNetCoreText.InvokeAsync();

    [Benchmark(Description = "MapHealthChecks /health (UIResponseWriter JSON)")]
    public Task AspNetCoreJson() => _aspNetCoreJson.InvokeAsync();

    [Benchmark(Description = "MapHealthChecks /health/live (text)")]
    public Task AspNetCoreLive() => _aspNetCoreLive.InvokeAsync();

    /// <summary>The floor of the harness: the same HealthKit app, a path that no endpoint matches.</summary>
    [Benchmark(Description = "HealthKit app, no endpoint matched (404)")]
    public Task NoEndpoint() => _noEndpoint.InvokeAsync();

    /// <summary>
    /// The same registrations for both: HealthKit's built-in <c>self</c> (tagged live), <c>startup</c> and
    /// <c>availability</c> (tagged ready), its disk check (tagged ready), and three synchronous lambdas.
    /// </summary>
    private static void AddChecks(WebApplicationBuilder builder) =>
        builder.Services.AddHealthKit()
            .AddDiskSpace()
            .AddCheck("first", () => HealthCheckResult.Healthy("first"), [HealthKitTags.Ready])
            .AddCheck("second", () => HealthCheckResult.Healthy("second"), [HealthKitTags.Ready])
            .AddCheck("third", () => HealthCheckResult.Healthy("third"));

    /// <summary>
    /// The same registrations, answered by Microsoft's own HealthCheckService: AddHealthKit puts the engine behind
    /// HealthCheckService, which would make MapHealthChecks a second front end to HealthKit rather than the baseline.
    /// </summary>
    private static void AddChecksForMicrosoftsService(WebApplicationBuilder builder)
    {
        AddChecks(builder);
        builder.Services.RemoveAll<HealthCheckService>();
        builder.Services.AddHealthChecks();
    }

    /// <summary>
    /// Two answers in a row at <c>Full</c> carry the same entries (the same durations and <c>producedAt</c> times) only if
    /// no check ran for the second one, <c>self</c> included. A pair can straddle the 2 s expiry, so three pairs are
    /// tried.
    /// </summary>
    private static async Task AssertCachedAsync(ReusableRequest request)
    {
        string? entries = null;
        for (var i = 0; i < 3; i++)
        {
            await request.InvokeAsync();
            var first = Entries(request.Body);
            await request.InvokeAsync();
            entries = Entries(request.Body);
            if (first == entries)
            {
                return;
            }
        }

        throw new InvalidOperationException($"Consecutive requests got fresh results, so they ran checks: {entries}");

        static string Entries(string body) => body[body.IndexOf("\"entries\":", StringComparison.Ordinal)..];
    }

    /// <summary>Fills the caches and checks that the request answers what the benchmark claims to measure.</summary>
    private static async Task<ReusableRequest> WarmAsync(ReusableRequest request, string expected, int statusCode = StatusCodes.Status200OK)
    {
        for (var i = 0; i < 3; i++)
        {
            await request.InvokeAsync();
        }

        if (request.StatusCode != statusCode || !request.Body.Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected answer {request.StatusCode}: {request.Body}");
        }

        return request;
    }
}
