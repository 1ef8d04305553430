using BenchmarkDotNet.Attributes;
using HealthKit.Benchmarks.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HealthKit.Benchmarks.Telemetry;

/// <summary>
/// The cost of HealthKit's telemetry: (a) one scrape of its meter with 20 checks, which must run no check and allocate
/// under 4 KB; (b) the cached <c>/health</c> request with the OpenTelemetry SDK collecting HealthKit's meter and
/// activity source and a status-change listener attached, against the same request with nothing listening.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 3, warmupCount: 10, iterationCount: 10)]
[IterationTime(250)]
public class TelemetryBenchmarks
{
    private const int CheckCount = 20;

    private readonly List<Metric> _exported = [];
    private InProcessApp _scraped = null!;
    private InProcessApp _plain = null!;
    private InProcessApp _collected = null!;
    private MeterScrape _listener = null!;
    private ReusableRequest _plainHealth = null!;
    private ReusableRequest _collectedHealth = null!;
    private int _runs;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _scraped = await InProcessApp.StartAsync(AddTwentyChecks, app => app.MapHealthKit());
        await Warm(_scraped.CreateRequest("/health"));
        _listener = new MeterScrape(_scraped.Services);
        var runs = Volatile.Read(ref _runs);
        _listener.Record();
        if (_listener.Measurements == 0 || Volatile.Read(ref _runs) != runs)
        {
            throw new InvalidOperationException($"A scrape reported {_listener.Measurements} measurements and ran {Volatile.Read(ref _runs) - runs} checks.");
        }

        _plain = await InProcessApp.StartAsync(builder => AddChecks(builder), app => app.MapHealthKit());
        _collected = await InProcessApp.StartAsync(
            builder =>
            {
                AddChecks(builder).AddHealthStatusListener<CountingListener>();
                builder.Services.AddOpenTelemetry()
                    .WithMetrics(metrics => metrics.AddMeter(HealthKitTelemetry.MeterName).AddInMemoryExporter(_exported))
                    .WithTracing(tracing => tracing.AddSource(HealthKitTelemetry.ActivitySourceName));
            },
            app => app.MapHealthKit());
        _plainHealth = await Warm(_plain.CreateRequest("/health"));
        _collectedHealth = await Warm(_collected.CreateRequest("/health"));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _listener.Dispose();
        await _scraped.DisposeAsync();
        await _plain.DisposeAsync();
        await _collected.DisposeAsync();
    }

    /// <summary>Observes every HealthKit instrument once, as an exporter's collection does.</summary>
    [Benchmark(Description = "Scrape of HealthKit's meter, 20 checks")]
    public void Scrape() => _listener.Record();

    [Benchmark(Baseline = true, Description = "HealthKit /health (Components), nothing listening")]
    public Task Health() => _plainHealth.InvokeAsync();

    [Benchmark(Description = "HealthKit /health (Components), OpenTelemetry collecting its meter and spans, a listener attached")]
    public Task HealthCollected() => _collectedHealth.InvokeAsync();

    private void AddTwentyChecks(WebApplicationBuilder builder)
    {
        var checks = builder.Services.AddHealthKit();
        for (var i = 0; i < CheckCount; i++)
        {
            checks.AddCheck($"check-{i:00}", () =>
            {
                Interlocked.Increment(ref _runs);
                return HealthCheckResult.Healthy();
            });
        }
    }

    /// <summary>The same registrations as <see cref="HealthEndpointBenchmarks"/>.</summary>
    private static IHealthChecksBuilder AddChecks(WebApplicationBuilder builder) =>
        builder.Services.AddHealthKit()
            .AddDiskSpace()
            .AddCheck("first", () => HealthCheckResult.Healthy("first"), [HealthKitTags.Ready])
            .AddCheck("second", () => HealthCheckResult.Healthy("second"), [HealthKitTags.Ready])
            .AddCheck("third", () => HealthCheckResult.Healthy("third"));

    private static async Task<ReusableRequest> Warm(ReusableRequest request)
    {
        for (var i = 0; i < 3; i++)
        {
            await request.InvokeAsync();
        }

        return request.StatusCode == 200 ? request : throw new InvalidOperationException($"Unexpected answer {request.StatusCode}: {request.Body}");
    }

    /// <summary>A listener as an application would attach one; the cached request never changes a status, so it is not called.</summary>
    private sealed class CountingListener : IHealthStatusListener
    {
        private int _changes;

        public Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _changes);
            return Task.CompletedTask;
        }
    }
}
