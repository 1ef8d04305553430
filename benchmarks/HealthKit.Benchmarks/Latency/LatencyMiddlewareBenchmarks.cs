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
/// The latency and error-rate checks are both registered, as in the sample; with the same window they share one
/// recorder, so each request is recorded once.
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
    private const string Failing = "downstream answers 500 synchronously";

    private static readonly RequestDelegate SyncDownstream = static _ => Task.CompletedTask;
    private static readonly RequestDelegate AsyncDownstream = static async _ => await Task.Yield();
    private static readonly RequestDelegate FailingDownstream = static context =>
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return Task.CompletedTask;
    };

    private readonly DefaultHttpContext _context = new();
    private readonly DefaultHttpContext _failingContext = new();
    private ServiceProvider _services = null!;
    private LatencyMiddleware _syncMiddleware = null!;
    private LatencyMiddleware _asyncMiddleware = null!;
    private LatencyMiddleware _failingMiddleware = null!;
    private LatencyRecorder _recorder = null!;
    private TimeProvider _time = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthKit().AddResponseLatency().AddErrorRate();
        _services = services.BuildServiceProvider();
        var registry = _services.GetRequiredService<LatencyRecorderRegistry>();
        var time = _services.GetRequiredService<TimeProvider>();
        _time = time;
        _recorder = registry.Get(ResponseLatencyHealthChecksBuilderExtensions.DefaultName);
        _syncMiddleware = new LatencyMiddleware(SyncDownstream, registry, time);
        _asyncMiddleware = new LatencyMiddleware(AsyncDownstream, registry, time);
        _failingMiddleware = new LatencyMiddleware(FailingDownstream, registry, time);
        if (registry.Recorders.Length != 1)
        {
            throw new InvalidOperationException("The latency and error-rate checks do not share one recorder.");
        }

        // Routing has run by the time the middleware records, so it looks at an endpoint with ordinary metadata.
        var endpoint = new Endpoint(
            SyncDownstream,
            new EndpointMetadataCollection(new HttpMethodMetadata([HttpMethods.Get]), "GET /todos"),
            "GET /todos");
        _context.SetEndpoint(endpoint);
        _failingContext.SetEndpoint(endpoint);

        _syncMiddleware.InvokeAsync(_context).GetAwaiter().GetResult();
        _failingMiddleware.InvokeAsync(_failingContext).GetAwaiter().GetResult();
        var snapshot = _recorder.Snapshot();
        if (snapshot.Count != 2 || snapshot.ServerErrorCount != 1)
        {
            throw new InvalidOperationException("The middleware did not record the requests and the failure.");
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

    [Benchmark(Baseline = true, Description = "downstream alone")]
    [BenchmarkCategory(Failing)]
    public Task FailingBaseline() => FailingDownstream(_failingContext);

    [Benchmark(Description = "through LatencyMiddleware")]
    [BenchmarkCategory(Failing)]
    public Task FailingMiddleware() => _failingMiddleware.InvokeAsync(_failingContext);

    [Benchmark(Description = "LatencyRecorder.Record alone")]
    [BenchmarkCategory("recorder")]
    public void Record() => _recorder.Record(1_000, _time.GetTimestamp());
}
