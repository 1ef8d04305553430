using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Lifecycle;

/// <summary>
/// Runs the sample as a real process on loopback and sends it SIGTERM, as the kubelet does during a rolling update.
/// </summary>
public sealed partial class ShutdownEndToEndTests : IDisposable
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private SampleProcess? _sample;

    [Fact]
    public async Task Sigterm_FailsReadinessAtOnce_ServesEveryRequestDuringTheDrain_ThenExitsZero()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "this test sends SIGTERM");
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        _sample = SampleProcess.Start(
            new Dictionary<string, string> { ["HealthKit__Lifecycle__DrainDelay"] = Drain.ToString("c") },
            $"http://127.0.0.1:{port}");
        var process = _sample.Process;
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };

        await WaitUntilReady(client);

        var clock = Stopwatch.StartNew();
        var results = new ConcurrentBag<(string Path, TimeSpan Sent, int Status)>();
        TimeSpan? sigterm = null;
        Task<int>? inFlight = null;

        // Poll readiness and an ordinary endpoint together, bounded in count and time.
        for (var i = 0; i < 200 && !process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
        {
            var sent = clock.Elapsed;
            var polls = new[] { Send(client, "/health/ready"), Send(client, "/todos") };
            if (i == 10)
            {
                SendSigterm(process.Id);
                sigterm = clock.Elapsed;
            }

            if (sigterm is { } at && inFlight is null && sent >= at + Drain - TimeSpan.FromMilliseconds(700))
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
        var exited = await _sample.WaitForExitAsync(sigterm.Value + Drain + Grace - clock.Elapsed);
        var output = _sample.Output;
        Assert.True(exited, "the process did not exit within drain + grace\n" + output);
        Assert.Equal(0, process.ExitCode);

        var afterSigterm = results.Where(r => r.Sent >= sigterm.Value).OrderBy(r => r.Sent).ToList();
        var readiness = afterSigterm.Where(r => r.Path == "/health/ready").ToList();
        var ordinary = afterSigterm.Where(r => r.Path == "/todos" && r.Sent < sigterm.Value + Drain - Poll).ToList();

        // Within one poll: the second readiness poll after the signal (the first may race its delivery) is 503.
        Assert.True(readiness.Count >= 2, output);
        Assert.Equal(503, readiness[1].Status);
        Assert.All(readiness.Skip(1), r => Assert.True(r.Status is 503 or -1, $"readiness {r.Status} at {r.Sent}"));
        Assert.True(ordinary.Count >= (int)(Drain / Poll / 3), $"only {ordinary.Count} ordinary requests during the drain");
        Assert.All(ordinary, r => Assert.True(r.Status == 200, $"an ordinary request sent {r.Sent - sigterm.Value} after SIGTERM got {r.Status}\n{output}"));
        Assert.NotNull(inFlight);
        Assert.Equal(200, await inFlight);
        Assert.Contains(_sample.Lines, line => line.Contains("HealthKitDrainStarted", StringComparison.Ordinal) || line.Contains("Holding shutdown", StringComparison.Ordinal));
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

    private static void SendSigterm(int pid) => Assert.Equal(0, Kill(pid, Sigterm));

    private const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _sample?.Dispose();
}
