using System.Collections.Concurrent;
using System.Diagnostics;
using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Lifecycle;

/// <summary>
/// Runs the sample as a real process on loopback and sends it SIGTERM, as the kubelet does during a rolling update.
/// </summary>
public sealed class ShutdownEndToEndTests : IDisposable
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>The start of the log line the sample writes when its drain begins (event 8, HealthKitDrainStarted).</summary>
    private const string DrainStartedMessage = "Holding shutdown for ";

    private SampleProcess? _sample;

    [Fact]
    public async Task Sigterm_FailsReadinessAtOnce_ServesEveryRequestDuringTheDrain_ThenExitsZero()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test sends SIGTERM");

        // Port 0: the server picks a free port itself and says which, so no other process can take it in between.
        _sample = SampleProcess.Start(new Dictionary<string, string> { ["HealthKit__Lifecycle__DrainDelay"] = Drain.ToString("c") });
        var process = _sample.Process;
        using var client = new HttpClient { BaseAddress = await _sample.WaitForAddressAsync(TimeSpan.FromSeconds(30)), Timeout = TimeSpan.FromSeconds(10) };

        await WaitUntilReady(client);

        var clock = Stopwatch.StartNew();
        var results = new ConcurrentBag<(string Path, TimeSpan Sent, int Status)>();
        TimeSpan? sigterm = null;
        TimeSpan? drainSeen = null;
        Task<int>? inFlight = null;

        // Poll readiness and an ordinary endpoint together until the process exits (bounded in count and time). What the
        // process has said so far, not the wall clock, tells the test where the shutdown is.
        for (var i = 0; i < 400 && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(40); i++)
        {
            if (drainSeen is null && sigterm is not null && _sample.Lines.Any(l => l.Contains(DrainStartedMessage, StringComparison.Ordinal)))
            {
                drainSeen = clock.Elapsed;
            }

            var sent = clock.Elapsed;
            var polls = new[] { Send(client, "/health/ready"), Send(client, "/todos") };
            if (i == 10)
            {
                Signals.Send(process.Id, Signals.Sigterm);
                sigterm = clock.Elapsed;
            }

            if (drainSeen is { } seen && inFlight is null && sent >= seen + Drain - TimeSpan.FromMilliseconds(700))
            {
                // Still running when the server stops accepting: it must be finished, not dropped.
                inFlight = Send(client, "/slow?ms=1500");
            }

            var statuses = await Task.WhenAll(polls);
            results.Add(("/health/ready", sent, statuses[0]));
            results.Add(("/todos", sent, statuses[1]));
            await Task.Delay(Poll, TestContext.Current.CancellationToken);
        }

        Assert.NotNull(sigterm);
        var exited = await _sample.WaitForExitAsync(Drain + Grace + Grace);
        var output = _sample.Output;
        Assert.True(exited, "the process did not exit within drain + grace\n" + output);
        Assert.Equal(0, process.ExitCode);
        Assert.True(drainSeen is not null, "the drain never started\n" + output);

        // Readiness fails when the drain starts: every poll sent after the test saw the drain's log line is 503 (or
        // refused, once the server has stopped), and readiness never passes again after the signal once it has failed.
        var readiness = results.Where(r => r.Path == "/health/ready" && r.Sent >= sigterm.Value).OrderBy(r => r.Sent).ToList();
        Assert.All(readiness.Where(r => r.Sent >= drainSeen.Value), r => Assert.True(r.Status is 503 or -1, $"readiness {r.Status} at {r.Sent - sigterm.Value} after SIGTERM"));
        var firstFailure = readiness.FindIndex(r => r.Status != 200);
        Assert.True(firstFailure >= 0, "readiness never failed after SIGTERM\n" + output);
        Assert.All(readiness.Skip(firstFailure), r => Assert.True(r.Status is 503 or -1, $"readiness {r.Status} at {r.Sent - sigterm.Value} after SIGTERM"));

        // Ordinary requests are served throughout the drain. Their number depends on how busy the machine is; a few are
        // enough to show the drain was observed at all. The window is counted from the signal, which the drain cannot
        // precede; the moment the test read the drain's log line can be later than the drain's start on a busy machine.
        var ordinary = results.Where(r => r.Path == "/todos" && r.Sent >= sigterm.Value && r.Sent < sigterm.Value + Drain - Poll).ToList();
        Assert.True(ordinary.Count >= 3, $"only {ordinary.Count} ordinary requests during the drain");
        Assert.All(ordinary, r => Assert.True(r.Status == 200, $"an ordinary request sent {r.Sent - sigterm.Value} after SIGTERM got {r.Status}\n{output}"));
        Assert.NotNull(inFlight);
        Assert.Equal(200, await inFlight);
    }

    private async Task WaitUntilReady(HttpClient client)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(_sample!.Process.HasExited, "the sample exited during startup\n" + _sample.Output);
            if (await Send(client, "/health/ready") == 200)
            {
                return;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the sample was not ready within 30 s\n" + _sample!.Output);
    }

    /// <summary>The status code, or -1 when the connection was refused or reset.</summary>
    private static async Task<int> Send(HttpClient client, string path)
    {
        try
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    public void Dispose() => _sample?.Dispose();
}
