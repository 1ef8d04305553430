using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Probe;

/// <summary>
/// The published sample as a real process, and its self-probe (<c>dotnet HealthKit.Sample.dll healthcheck ready</c>)
/// as another, as Docker's HEALTHCHECK runs it.
/// </summary>
public sealed class ProbeEndToEndTests : IDisposable
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);
    private readonly List<SampleProcess> _samples = [];

    [Fact]
    public async Task Probe_SampleHealthy_ExitsZero_WithAndWithoutUrl()
    {
        var port = FreePort();
        await StartSampleAsync(port, new Dictionary<string, string>(), expectReady: HttpStatusCode.OK);

        var explicitUrl = await RunProbeAsync(["ready", "--url", $"http://127.0.0.1:{port}/health/ready"]);
        Assert.True(explicitUrl.ExitCode == 0, explicitUrl.ToString());
        Assert.Contains($"http://127.0.0.1:{port}/health/ready answered 200", explicitUrl.Output, StringComparison.Ordinal);

        // Without --url the probe reads what the app reads: here URLS, an unprefixed environment variable, as the app
        // itself would.
        var discovered = await RunProbeAsync(["ready"], new() { ["URLS"] = $"http://0.0.0.0:{port}" });
        Assert.True(discovered.ExitCode == 0, discovered.ToString());
        Assert.Contains($"http://localhost:{port}/health/ready answered 200", discovered.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_ReadyCheckFails_ExitsOne()
    {
        var port = FreePort();
        var missing = Path.Combine(Path.GetTempPath(), $"healthkit-missing-{Guid.NewGuid():N}");
        await StartSampleAsync(port, new Dictionary<string, string> { ["HealthKit__Checks__disk__Paths__0"] = missing }, expectReady: HttpStatusCode.ServiceUnavailable);

        var ready = await RunProbeAsync(["ready", "--url", $"http://127.0.0.1:{port}/health/ready"]);
        var live = await RunProbeAsync(["live", "--url", $"http://127.0.0.1:{port}/health/live"]);

        Assert.True(ready.ExitCode == 1, ready.ToString());
        Assert.Contains("answered 503", ready.Error, StringComparison.Ordinal);
        Assert.True(live.ExitCode == 0, live.ToString());
    }

    [Fact]
    public async Task Probe_ReadyCheckFailsAndUrlIsTheBaseAddress_AsksReadyNotTheRootPage()
    {
        var port = FreePort();
        var missing = Path.Combine(Path.GetTempPath(), $"healthkit-missing-{Guid.NewGuid():N}");
        await StartSampleAsync(port, new Dictionary<string, string> { ["HealthKit__Checks__disk__Paths__0"] = missing }, expectReady: HttpStatusCode.ServiceUnavailable);
        using var client = new HttpClient();
        using var root = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);

        // A long timeout: this is about which URL is asked, and a loaded machine must not turn an answer into a timeout.
        foreach (var path in new[] { string.Empty, "/" })
        {
            var ready = await RunProbeAsync(["ready", "--timeout", "30", "--url", $"http://127.0.0.1:{port}{path}"]);
            var live = await RunProbeAsync(["live", "--timeout", "30", "--url", $"http://127.0.0.1:{port}{path}"]);

            Assert.True(ready.ExitCode == 1, ready.ToString());
            Assert.Contains($"http://127.0.0.1:{port}/health/ready answered 503", ready.Error, StringComparison.Ordinal);
            Assert.True(live.ExitCode == 0, live.ToString());
            Assert.Contains($"http://127.0.0.1:{port}/health/live answered 200", live.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Probe_PortClosed_ExitsOneWithinTheTimeout()
    {
        var port = FreePort();
        var timeout = TimeSpan.FromSeconds(2);

        var result = await RunProbeAsync(["ready", "--timeout", "2", "--url", $"http://127.0.0.1:{port}/health/ready"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("could not connect", result.Error, StringComparison.Ordinal);
        Assert.True(result.Elapsed < timeout + Slack, $"took {result.Elapsed}");
    }

    [Fact]
    public async Task Probe_ServerAcceptsButNeverAnswers_ExitsOneAtTheTimeout()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var result = await RunProbeAsync(["ready", "--timeout", "1", "--url", $"http://127.0.0.1:{port}/health/ready"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("did not answer within 1 s", result.Error, StringComparison.Ordinal);
        Assert.InRange(result.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1) + Slack);
    }

    [Fact]
    public async Task Probe_BadArguments_ExitsTwo()
    {
        var result = await RunProbeAsync(["sideways"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("usage: healthcheck", result.Error, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var sample in _samples)
        {
            sample.Dispose();
        }
    }

    private async Task StartSampleAsync(int port, Dictionary<string, string> environment, HttpStatusCode expectReady)
    {
        var sample = SampleProcess.Start(environment, $"http://127.0.0.1:{port}");
        _samples.Add(sample);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTimeOffset.UtcNow < deadline && !sample.Process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
                if (response.StatusCode == expectReady)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), TestContext.Current.CancellationToken);
        }

        Assert.Fail($"the sample did not answer {(int)expectReady} on /health/ready\n{sample.Output}");
    }

    /// <summary>
    /// Runs <c>dotnet {assembly} healthcheck {args}</c> from <paramref name="workingDirectory"/> (the test's output folder
    /// unless given), as Docker's HEALTHCHECK runs it from the image's WORKDIR.
    /// </summary>
    internal static async Task<ProbeResult> RunProbeAsync(string[] args, Dictionary<string, string>? environment = null, string assembly = "HealthKit.Sample.dll", string? workingDirectory = null)
    {
        MutationRun.SkipOutOfProcessTest();
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        start.ArgumentList.Add("healthcheck");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var cap = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cap.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProbeResult(process.ExitCode, await output, await error, clock.Elapsed);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal sealed record ProbeResult(int ExitCode, string Output, string Error, TimeSpan Elapsed)
    {
        public override string ToString() => $"exit {ExitCode} after {Elapsed}\nstdout: {Output}\nstderr: {Error}";
    }
}
