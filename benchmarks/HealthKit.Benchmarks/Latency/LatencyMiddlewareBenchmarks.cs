using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using HealthKit.Latency;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Benchmarks.Latency;

/// <summary>
/// What the latency-recording middleware adds to a request: each pair calls the same downstream delegate directly
/// (the baseline) and through <see cref="LatencyMiddleware"/>, on a context already routed to an ordinary endpoint.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LatencyMiddlewareBenchmarks
{
    private const string Sync = "downstream completes synchronously";
    private const string Async = "downstream completes asynchronously";

    private static readonly RequestDelegate SyncDownstream = static _ => Task.CompletedTask;
    private static readonly RequestDelegate AsyncDownstream = static async _ => await Task.Yield();

    private readonly DefaultHttpContext _context = new();
    private ServiceProvider _services = null!;
    private LatencyMiddleware _syncMiddleware = null!;
    private LatencyMiddleware _asyncMiddleware = null!;
    private LatencyRecorder _recorder = null!;
    private TimeProvider _time = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthKit().AddResponseLatency();
        _services = services.BuildServiceProvider();
        var registry = _services.GetRequiredService<LatencyRecorderRegistry>();
        var time = _services.GetRequiredService<TimeProvider>();
        _time = time;
        _recorder = registry.Get(ResponseLatencyHealthChecksBuilderExtensions.DefaultName);
        _syncMiddleware = new LatencyMiddleware(SyncDownstream, registry, time);
        _asyncMiddleware = new LatencyMiddleware(AsyncDownstream, registry, time);

        // Routing has run by the time the middleware records, so it looks at an endpoint with ordinary metadata.
        _context.SetEndpoint(new Endpoint(
            SyncDownstream,
            new EndpointMetadataCollection(new HttpMethodMetadata([HttpMethods.Get]), "GET /todos"),
            "GET /todos"));

        _syncMiddleware.InvokeAsync(_context).GetAwaiter().GetResult();
        if (_recorder.Snapshot().Count != 1)
        {
            throw new InvalidOperationException("The middleware did not record the request.");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "downstream alone")]
    [BenchmarkCategory(Sync)]
    public Task SyncBaseline() => SyncDownstream(_context);

    [Benchmark(Description = "through LatencyMiddleware")]
    [BenchmarkCategory(Sync)]
    public Task SyncMiddleware() => _syncMiddleware.InvokeAsync(_context);

    [Benchmark(Baseline = true, Description = "downstream alone")]
    [BenchmarkCategory(Async)]
    public Task AsyncBaseline() => AsyncDownstream(_context);

    [Benchmark(Description = "through LatencyMiddleware")]
    [BenchmarkCategory(Async)]
    public Task AsyncMiddleware() => _asyncMiddleware.InvokeAsync(_context);

    [Benchmark(Description = "LatencyRecorder.Record alone")]
    [BenchmarkCategory("recorder")]
    public void Record() => _recorder.Record(1_000, _time.GetTimestamp());
}
