using BenchmarkDotNet.Attributes;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// The cached answers of <see cref="CheckCountBenchmarks"/> through real Kestrel (<see cref="KestrelCachedAnswers"/>):
/// each request is sent by a <see cref="LoopbackHttpClient"/> over a keep-alive connection on 127.0.0.1 and read whole,
/// so time and allocations include Kestrel's parsing, the hosting layer's <c>HttpContext</c> and the response headers as
/// Kestrel stores them, beside a bare Kestrel application in the same process.
/// </summary>
/// <remarks>
/// <para>
/// The memory diagnoser counts what every thread of the process allocates (<c>GC.GetTotalAllocatedBytes</c>), and the
/// client allocates nothing per request, so a row's allocation is the server's: the bare rows are Kestrel's own. Work
/// the applications do on timers (<c>self</c>, run once a second by <c>/health</c> and <c>/health/live</c>, and its
/// answers rendered again; Kestrel's own timers) is counted too, spread over the requests of the one iteration the
/// diagnoser measures, so a row can show a few bytes that no request allocated. <c>kestrel-allocations</c>
/// (<see cref="KestrelAllocationCommand"/>) separates the two.
/// </para>
/// <para>
/// The time of a row is a round trip through the loopback interface with the client waiting, so it is latency, not the
/// server's CPU; <c>benchmarks/throughput.sh</c> measures that.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class KestrelCheckCountBenchmarks
{
    private KestrelCachedAnswers _answers = null!;

    /// <summary>The extra checks registered beside HealthKit's lifecycle checks.</summary>
    [Params(0, 10, 50, 200)]
    public int Checks { get; set; }

    [GlobalSetup]
    public async Task SetupAsync() => _answers = await KestrelCachedAnswers.StartAsync(Checks);

    [GlobalCleanup]
    public async Task CleanupAsync() => await _answers.DisposeAsync();

    [Benchmark(Baseline = true, Description = "bare Kestrel /ok")]
    public int BareOk() => _answers.BareOk.Send();

    [Benchmark(Description = "bare Kestrel, the Full answer's shape")]
    public int BareAnswer() => _answers.BareAnswer.Send();

    [Benchmark(Description = "/health/ready (Status)")]
    public int Ready() => _answers.Ready.Send();

    [Benchmark(Description = "/health (Full)")]
    public int HealthFull() => _answers.HealthFull.Send();

    [Benchmark(Description = "/health (Components)")]
    public int HealthComponents() => _answers.HealthComponents.Send();

    [Benchmark(Description = "/health/live (Status)")]
    public int Live() => _answers.Live.Send();
}
