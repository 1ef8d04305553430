using System.Diagnostics;
using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Engine;

/// <summary>
/// Checks that block their thread cannot starve the server: the sample runs as a real process on a loopback port with
/// eight checks that call <c>Thread.Sleep(20 s)</c>, and liveness is measured from outside while they block.
/// </summary>
/// <remarks>
/// Alone in its collection, so that the test process's own tests do not delay the client that measures; on a machine
/// shared with other work, the measurement still carries its load.
/// </remarks>
[Collection(nameof(BlockingChecksProcessTests))]
public sealed class BlockingChecksProcessTests
{
    private const int Probes = 100;
    private static readonly TimeSpan LivenessLimit = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Liveness_EightChecksBlockingTheirThreads_AnswersWithin100Ms_100TimesInARow()
    {
        using var sample = SampleProcess.Start(new Dictionary<string, string>
        {
            ["Sample__BlockingChecks"] = "8",
            ["Sample__BlockMilliseconds"] = "20000",
        });
        var address = await sample.WaitForAddressAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(5) };
        var token = TestContext.Current.CancellationToken;

        // Warm up the path (JIT, connection) before anything blocks.
        for (var i = 0; i < 5; i++)
        {
            using var warm = await client.GetAsync("/health/live", token);
            Assert.Equal(200, (int)warm.StatusCode);
        }

        // Readiness starts the eight blocking checks; liveness is probed while they hold their threads.
        var readiness = Stopwatch.StartNew();
        var ready = client.GetAsync("/health/ready", token);
        var times = new List<TimeSpan>(Probes);
        for (var i = 0; i < Probes; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var live = await client.GetAsync("/health/live", token);
            times.Add(Stopwatch.GetElapsedTime(started));
            Assert.Equal(200, (int)live.StatusCode);
        }

        using var readyResponse = await ready;
        readiness.Stop();
        var slowest = times.Max();
        Assert.True(
            times.All(t => t < LivenessLimit),
            $"liveness took up to {slowest.TotalMilliseconds:0} ms; over 100 ms {times.Count(t => t >= LivenessLimit)} times of {Probes}; readiness answered in {readiness.ElapsedMilliseconds} ms");
        Assert.Equal(503, (int)readyResponse.StatusCode);
        Assert.True(readiness.Elapsed < TimeSpan.FromSeconds(2), $"readiness answered in {readiness.ElapsedMilliseconds} ms against its 800 ms deadline");
    }
}

/// <summary>Runs <see cref="BlockingChecksProcessTests"/> with no other test at the same time.</summary>
[CollectionDefinition(nameof(BlockingChecksProcessTests), DisableParallelization = true)]
public sealed class BlockingChecksProcessCollection;
