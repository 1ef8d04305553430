using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace HealthKit.Fleet.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server on a loopback port, with a configuration of the test's own in a temporary folder (its data
/// too), scraping and evaluating every second. Disposing it stops the server and deletes the folder.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private PrometheusServer(string folder) => _folder = folder;

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts Prometheus scraping <paramref name="targets"/> (host:port, loopback only) under the job <paramref name="job"/>,
    /// with the rule file <paramref name="rules"/>, and waits until it is ready.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string job, IReadOnlyList<string> targets, string rules)
    {
        Assert.All(targets, target => Assert.StartsWith("127.0.0.1:", target, StringComparison.Ordinal));
        var server = new PrometheusServer(Directory.CreateTempSubdirectory("healthkit-prometheus-").FullName);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(server._folder, "rules.yml"), rules, TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(
                Path.Combine(server._folder, "prometheus.yml"),
                $"""
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                  evaluation_interval: 1s
                rule_files:
                  - rules.yml
                scrape_configs:
                  - job_name: {job}
                    metrics_path: /metrics
                    static_configs:
                      - targets: [{string.Join(", ", targets.Select(t => $"'{t}'"))}]
                """,
                TestContext.Current.CancellationToken);
            await LoopbackPorts.StartOnUnusedPortAsync(server.StartOnAsync);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs an instant query and returns its result vector; fails on any error Prometheus reports.</summary>
    public async Task<IReadOnlyList<Sample>> QueryAsync(string expression)
    {
        using var response = await Client.GetAsync("/api/v1/query?query=" + Uri.EscapeDataString(expression), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode && body.GetProperty("status").GetString() == "success", $"query failed: {expression}\n{body}");
        var data = body.GetProperty("data");
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        return [.. data.GetProperty("result").EnumerateArray().Select(item => new Sample(
            item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
            double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>The alerts Prometheus holds now, pending and firing.</summary>
    public async Task<IReadOnlyList<Alert>> AlertsAsync()
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/api/v1/alerts", TestContext.Current.CancellationToken);
        return [.. body.GetProperty("data").GetProperty("alerts").EnumerateArray().Select(item => new Alert(
            item.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal),
            item.GetProperty("state").GetString()!))];
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartOnAsync(int port)
    {
        var start = new ProcessStartInfo(PrometheusBinaries.Server)
        {
            WorkingDirectory = _folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--config.file=" + Path.Combine(_folder, "prometheus.yml"),
            "--storage.tsdb.path=" + Path.Combine(_folder, "data"),
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? string.Empty);
        _process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? string.Empty);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Client.BaseAddress = new Uri($"http://127.0.0.1:{port}");

        await Eventually.WaitUntilAsync(
            async () =>
            {
                if (_process.HasExited)
                {
                    // Most likely the port was taken in between; StartOnUnusedPortAsync tries another one.
                    throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var ready = await Client.GetAsync("/-/ready", TestContext.Current.CancellationToken);
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30));
    }

    internal sealed record Sample(IReadOnlyDictionary<string, string> Labels, double Value);

    internal sealed record Alert(IReadOnlyDictionary<string, string> Labels, string State);
}
