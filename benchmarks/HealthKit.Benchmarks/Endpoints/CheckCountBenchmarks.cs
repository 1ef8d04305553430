using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// A cached answer by the number of registered checks: <c>/health/ready</c> (its default level, <c>Status</c>),
/// <c>/health</c> at <c>Full</c> and at its default (<c>Components</c>), and <c>/health/live</c>, with 0, 10, 50 and 200
/// extra checks, through the in-process pipeline of <see cref="InProcessApp"/>.
/// </summary>
/// <remarks>
/// <para>
/// What is set: <c>AddHealthKit()</c> with its defaults and no <c>DetailsPolicy</c> (so its lifecycle checks
/// <c>self</c>, tagged <c>live</c>, and <c>startup</c> and <c>availability</c>, tagged <c>ready</c>), plus
/// <see cref="Checks"/> synchronous checks tagged <c>ready</c> (<see cref="CheapChecks"/>) whose only non-default
/// setting is a per-check <c>CacheTtl</c> of one day (<c>ConfigureCheck(name, p =&gt; p.CacheTtl = ...)</c>, the code
/// form of <c>HealthKit:Checks:&lt;name&gt;:CacheTtl</c>). The <c>Full</c> rows come from a second application that
/// differs only by <c>HealthKit:Endpoints:Health:DetailLevel=Full</c>.
/// </para>
/// <para>
/// Every measured answer is a cached one. The extra checks never expire during a run; the lifecycle checks keep their
/// fixed policies (<c>self</c> one second, <c>startup</c> and <c>availability</c> until the lifecycle changes, which it
/// does not here), so one request per second on <c>/health</c> and <c>/health/live</c> runs <c>self</c>. The setup checks
/// that the first <c>/health/ready</c> ran every extra check once, that every warm-up answer is 200 with the expected
/// status and number of entries, and that no extra check runs again; the cleanup checks the last again, so a run
/// that measured evaluations instead of cached answers fails.
/// </para>
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class CheckCountBenchmarks
{
    private CheapChecks _checks = null!;
    private CheapChecks _fullChecks = null!;
    private InProcessApp _app = null!;
    private InProcessApp _fullApp = null!;
    private ReusableRequest _ready = null!;
    private ReusableRequest _healthFull = null!;
    private ReusableRequest _healthComponents = null!;
    private ReusableRequest _live = null!;

    /// <summary>The extra checks registered beside HealthKit's lifecycle checks.</summary>
    [Params(0, 10, 50, 200)]
    public int Checks { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _checks = new CheapChecks(Checks);
        _fullChecks = new CheapChecks(Checks);
        _app = await InProcessApp.StartAsync(b => _checks.AddTo(b.Services.AddHealthKit()), app => app.MapHealthKit());
        _fullApp = await InProcessApp.StartAsync(
            b => _fullChecks.AddTo(b.Services.AddHealthKit()),
            app => app.MapHealthKit(),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Health:DetailLevel"] = "Full" });

        // /health/ready first: its first answer must have run every extra check, so all of them are tagged ready.
        _ready = await WarmAsync(_app.CreateRequest("/health/ready"), entries: 0);
        _checks.AssertEachRanOnce("/health/ready");
        _healthComponents = await WarmAsync(_app.CreateRequest("/health"), Checks + CheapChecks.LifecycleChecks);
        _live = await WarmAsync(_app.CreateRequest("/health/live"), entries: 0);
        _healthFull = await WarmAsync(_fullApp.CreateRequest("/health"), Checks + CheapChecks.LifecycleChecks);
        _checks.AssertEachRanOnce("the warm-up");
        _fullChecks.AssertEachRanOnce("the warm-up at Full");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _app.DisposeAsync();
        await _fullApp.DisposeAsync();
        _checks.AssertEachRanOnce("the measured requests");
        _fullChecks.AssertEachRanOnce("the measured requests at Full");
    }

    [Benchmark(Baseline = true, Description = "/health/ready (Status)")]
    public Task Ready() => _ready.InvokeAsync();

    [Benchmark(Description = "/health (Full)")]
    public Task HealthFull() => _healthFull.InvokeAsync();

    [Benchmark(Description = "/health (Components)")]
    public Task HealthComponents() => _healthComponents.InvokeAsync();

    [Benchmark(Description = "/health/live (Status)")]
    public Task Live() => _live.InvokeAsync();

    /// <summary>Fills the caches and checks that the request answers what the benchmark claims to measure.</summary>
    private static async Task<ReusableRequest> WarmAsync(ReusableRequest request, int entries)
    {
        for (var i = 0; i < 3; i++)
        {
            await request.InvokeAsync();
        }

        ExpectedAnswer.Verify(request.StatusCode, request.Body, entries);
        return request;
    }
}
