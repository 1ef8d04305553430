using System.Net;
using System.Text.Json;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Probe;

namespace HealthKit.Tests.Samples;

/// <summary>
/// The worker sample (samples/HealthKit.Worker) as a real process: a queue consumer on the generic host with no web
/// server, whose probe server answers on a loopback port the test picks, and whose self-probe finds that port itself.
/// </summary>
public sealed class WorkerSampleTests
{
    /// <summary>The worker's own appsettings.json, copied here by the test project (the web sample's sit one folder up).</summary>
    private static readonly string ContentRoot = Path.Combine(AppContext.BaseDirectory, "worker");

    [Fact]
    public async Task Worker_Process_ProbePortAnswers_SelfProbeExits0_SigtermDrainsThenExits0()
    {
        var port = LoopbackPorts.Unused();
        var environment = Environment(port, ("HealthKit__Lifecycle__DrainDelay", "00:00:08"));
        using var worker = SampleProcess.StartWorker(environment, ContentRoot);
        using var client = Client(port);

        await WaitForStatusAsync(worker, client, "/health/ready", HttpStatusCode.OK);
        var (liveCode, live) = await GetJsonAsync(client, "/health/live");
        var (startupCode, startup) = await GetJsonAsync(client, "/health/startup");
        var (healthCode, health) = await GetJsonAsync(client, "/health");

        Assert.Equal(HttpStatusCode.OK, liveCode);
        Assert.Equal("Healthy", live.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, startupCode);
        Assert.Equal("Healthy", startup.GetProperty("status").GetString());
        Assert.True(healthCode == HttpStatusCode.OK, health.ToString());

        // A worker's checks: lag, a dependency, disk and memory; no request latency or error rate, since it serves none.
        Assert.Equal(["self", "startup", "availability", "lag", "database", "disk", "memory"], health.GetProperty("entries").EnumerateObject().Select(e => e.Name));

        // No --url: the probe reads HealthKit:ProbeServer:Urls as the worker does.
        var probe = await ProbeEndToEndTests.RunProbeAsync(["ready"], new(environment), "HealthKit.Worker.dll", ContentRoot);
        Assert.True(probe.ExitCode == HealthKitProbe.ExitHealthy, probe.ToString());
        Assert.Contains($"http://127.0.0.1:{port}/health/ready answered 200", probe.Output, StringComparison.Ordinal);

        Signals.Send(worker.Process.Id, Signals.Sigterm);

        // Readiness fails on the probe port while the worker drains, and liveness keeps passing.
        await WaitForStatusAsync(worker, client, "/health/ready", HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, (await GetJsonAsync(client, "/health/live")).StatusCode);
        Assert.False(worker.Process.HasExited, "the worker exited before its 8 s drain ended\n" + worker.Output);

        Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the worker did not exit\n" + worker.Output);
        Assert.True(worker.Process.ExitCode == 0, $"exit code {worker.Process.ExitCode}\n{worker.Output}");
        var output = worker.Output;
        var drained = output.IndexOf("Holding shutdown for 8000 ms", StringComparison.Ordinal);
        var stopped = output.IndexOf("HealthKit probe server stopped", StringComparison.Ordinal);
        Assert.True(drained >= 0 && stopped > drained, "the probe server must stop after the drain\n" + output);
    }

    [Fact]
    public async Task Worker_Process_ConsumerBehind_ReadyFails_SelfProbeExits1_LiveStillExits0()
    {
        // Each message takes 5 s while one arrives every 50 ms: the oldest waiting message is soon older than 1 s.
        var port = LoopbackPorts.Unused();
        var environment = Environment(
            port,
            ("Worker__ProducePeriod", "00:00:00.050"),
            ("Worker__ProcessingTime", "00:00:05"),
            ("Worker__DegradedLag", "00:00:00.500"),
            ("Worker__UnhealthyLag", "00:00:01"));
        using var worker = SampleProcess.StartWorker(environment, ContentRoot);
        using var client = Client(port);

        await WaitForStatusAsync(worker, client, "/health/checks/lag", HttpStatusCode.ServiceUnavailable);
        await WaitForStatusAsync(worker, client, "/health/ready", HttpStatusCode.ServiceUnavailable);

        var ready = await ProbeEndToEndTests.RunProbeAsync(["ready"], new(environment), "HealthKit.Worker.dll", ContentRoot);
        var live = await ProbeEndToEndTests.RunProbeAsync(["live"], new(environment), "HealthKit.Worker.dll", ContentRoot);

        Assert.True(ready.ExitCode == HealthKitProbe.ExitUnhealthy, ready.ToString());
        Assert.Contains($"http://127.0.0.1:{port}/health/ready answered 503", ready.Error, StringComparison.Ordinal);
        Assert.True(live.ExitCode == HealthKitProbe.ExitHealthy, live.ToString());
    }

    private static Dictionary<string, string> Environment(int port, params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["HealthKit__ProbeServer__Urls"] = $"http://127.0.0.1:{port}",
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<(HttpStatusCode StatusCode, JsonElement Json)> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    /// <summary>Polls <paramref name="path"/> until it answers <paramref name="expected"/>: up to 30 s, on a loaded machine.</summary>
    private static async Task WaitForStatusAsync(SampleProcess worker, HttpClient client, string path, HttpStatusCode expected)
    {
        HttpStatusCode? last = null;
        var deadline = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(30))
        {
            Assert.False(worker.Process.HasExited, $"the worker exited while the test waited for {(int)expected} on {path}\n{worker.Output}");
            try
            {
                using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
                last = response.StatusCode;
                if (last == expected)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
        }

        Assert.Fail($"{path} did not answer {(int)expected} within 30 s (last: {(last is { } code ? (int)code : "no answer")})\n{worker.Output}");
    }
}
