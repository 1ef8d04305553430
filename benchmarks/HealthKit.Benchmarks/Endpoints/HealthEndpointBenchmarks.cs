using BenchmarkDotNet.Attributes;
using HealthChecks.UI.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
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
    private InProcessApp _healthKit = null!;
    private InProcessApp _healthKitFull = null!;
    private InProcessApp _aspNetCore = null!;
    private ReusableRequest _healthKitComponents = null!;
    private ReusableRequest _healthKitFullDetail = null!;
    private ReusableRequest _healthKitLive = null!;
    private ReusableRequest _aspNetCoreText = null!;
    private ReusableRequest _aspNetCoreJson = null!;
    private ReusableRequest _aspNetCoreLive = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _healthKit = await InProcessApp.StartAsync(AddChecks, app => app.MapHealthKit());
        _healthKitFull = await InProcessApp.StartAsync(
            AddChecks,
            app => app.MapHealthKit(),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Health:DetailLevel"] = "Full" });
        _aspNetCore = await InProcessApp.StartAsync(AddChecks, app =>
        {
            app.MapHealthChecks("/health");
            app.MapHealthChecks("/health/json", new HealthCheckOptions { ResponseWriter = UIResponseWriter.WriteHealthCheckUIResponse });
            app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = r => r.Tags.Contains(HealthKitTags.Live) });
        });

        _healthKitComponents = await WarmAsync(_healthKit.CreateRequest("/health"), "\"entries\":{\"self\":{\"status\":\"Healthy\"},\"disk\":{\"status\":\"Healthy\"}");
        _healthKitFullDetail = await WarmAsync(_healthKitFull.CreateRequest("/health"), "\"description\":\"first\"");
        _healthKitLive = await WarmAsync(_healthKit.CreateRequest("/health/live"), "{\"status\":\"Healthy\",\"totalDuration\":");
        _aspNetCoreText = await WarmAsync(_aspNetCore.CreateRequest("/health"), "Healthy");
        _aspNetCoreJson = await WarmAsync(_aspNetCore.CreateRequest("/health/json"), "\"description\":\"first\"");
        _aspNetCoreLive = await WarmAsync(_aspNetCore.CreateRequest("/health/live"), "Healthy");
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

    /// <summary>
    /// The same registrations for both: HealthKit's <c>self</c> (tagged live), its disk check (tagged ready), and three
    /// synchronous lambdas.
    /// </summary>
    private static void AddChecks(WebApplicationBuilder builder) =>
        builder.Services.AddHealthKit()
            .AddDiskSpace()
            .AddCheck("first", () => HealthCheckResult.Healthy("first"), [HealthKitTags.Ready])
            .AddCheck("second", () => HealthCheckResult.Healthy("second"), [HealthKitTags.Ready])
            .AddCheck("third", () => HealthCheckResult.Healthy("third"));

    /// <summary>Fills the caches and checks that the request answers what the benchmark claims to measure.</summary>
    private static async Task<ReusableRequest> WarmAsync(ReusableRequest request, string expected)
    {
        for (var i = 0; i < 3; i++)
        {
            await request.InvokeAsync();
        }

        if (request.StatusCode != 200 || !request.Body.Contains(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected answer {request.StatusCode}: {request.Body}");
        }

        return request;
    }
}
