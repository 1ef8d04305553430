using System.Net;
using BenchmarkDotNet.Attributes;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace HealthKit.Benchmarks.Grpc;

/// <summary>
/// A gRPC Check of <c>readiness</c> against an HTTP/2 GET of <c>/health/ready</c>, in the same run, on the same
/// in-process Kestrel listener over loopback, with every result cached: the cost of the protocol and the service around
/// the engine. One client, one call at a time, and 16 calls at once.
/// </summary>
[MemoryDiagnoser]
public class GrpcCheckBenchmarks
{
    private const int Concurrent = 16;

    private static readonly HealthCheckRequest Readiness = new() { Service = "readiness" };
    private static readonly Uri Ready = new("/health/ready", UriKind.Relative);

    private GrpcLoopbackApp _app = null!;
    private GrpcChannel _channel = null!;
    private Health.HealthClient _client = null!;
    private HttpClient _http = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _app = await GrpcLoopbackApp.StartAsync();
        _channel = GrpcChannel.ForAddress(_app.Address);
        _client = new Health.HealthClient(_channel);

        // HTTP/2 with prior knowledge, as the gRPC client speaks it: the listener serves nothing else.
        _http = new HttpClient
        {
            BaseAddress = _app.Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        if (await HttpReadyAsync() != HttpStatusCode.OK || await GrpcCheckAsync() != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            throw new InvalidOperationException("the app is not ready");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _http.Dispose();
        _channel.Dispose();
        await _app.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "HTTP/2 GET /health/ready")]
    public async Task<HttpStatusCode> HttpReadyAsync()
    {
        using var response = await _http.GetAsync(Ready);
        await response.Content.ReadAsByteArrayAsync();
        return response.StatusCode;
    }

    [Benchmark(Description = "gRPC Check readiness")]
    public async Task<HealthCheckResponse.Types.ServingStatus> GrpcCheckAsync() =>
        (await _client.CheckAsync(Readiness)).Status;

    [Benchmark(OperationsPerInvoke = Concurrent, Description = "HTTP/2 GET /health/ready, 16 at once")]
    public Task HttpReadyConcurrentAsync() => Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => HttpReadyAsync()));

    [Benchmark(OperationsPerInvoke = Concurrent, Description = "gRPC Check readiness, 16 at once")]
    public Task GrpcCheckConcurrentAsync() => Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => GrpcCheckAsync()));
}
