using BenchmarkDotNet.Attributes;
using HealthKit.Benchmarks.Endpoints;

namespace HealthKit.Benchmarks.Telemetry;

/// <summary>
/// One scrape of HealthKit's meter (every observable instrument observed once, as an exporter's collection does) with
/// the lifecycle checks and 0, 10, 50 or 200 extra checks (<see cref="CheapChecks"/>), after requests have been answered
/// from rendered answers, so that <c>healthkit.check.cached</c> adds up the answers' counts per check. A scrape must run
/// no check.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class ScrapeByCheckCountBenchmarks
{
    private CheapChecks _checks = null!;
    private InProcessApp _app = null!;
    private MeterScrape _listener = null!;

    [Params(0, 10, 50, 200)]
    public int Checks { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _checks = new CheapChecks(Checks);
        _app = await InProcessApp.StartAsync(builder => _checks.AddTo(builder.Services.AddHealthKit()), app => app.MapHealthKit());
        var ready = _app.CreateRequest("/health/ready");
        for (var i = 0; i < 100; i++)
        {
            await ready.InvokeAsync();
        }

        _listener = new MeterScrape(_app.Services);
        var runs = _checks.Runs;
        _listener.Record();
        if (_listener.Measurements == 0 || _checks.Runs != runs || runs != Checks)
        {
            throw new InvalidOperationException($"A scrape reported {_listener.Measurements} measurements; the extra checks ran {_checks.Runs} times, expected {Checks}.");
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _listener.Dispose();
        await _app.DisposeAsync();
        if (_checks.Runs != Checks)
        {
            throw new InvalidOperationException($"The extra checks ran {_checks.Runs} times during the scrapes; expected {Checks} in all.");
        }
    }

    [Benchmark(Description = "Scrape of HealthKit's meter")]
    public void Scrape() => _listener.Record();
}
