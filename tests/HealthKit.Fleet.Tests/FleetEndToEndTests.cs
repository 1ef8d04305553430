using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HealthKit.Fleet.Tests.Infrastructure;

namespace HealthKit.Fleet.Tests;

/// <summary>
/// A fleet of three sample instances, each a real process exporting HealthKit's meter on <c>/metrics</c>, probed as the
/// kubelet probes them, and scraped by a real Prometheus that evaluates the shipped rules (with only their <c>for:</c>
/// durations shortened, in a copy this test makes). One instance's readiness fails through a live settings edit, then
/// every instance's; the rules' alerts and fleet views are read back through Prometheus's HTTP API, and every panel of
/// the shipped Grafana dashboard is queried against the same data.
/// </summary>
public sealed partial class FleetEndToEndTests : IAsyncLifetime
{
    private const string Service = "healthkit-fleet-sample";
    private const string Job = "healthkit-fleet";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private readonly List<Instance> _instances = [];
    private PrometheusServer? _prometheus;
    private CancellationTokenSource? _probing;
    private Task? _prober;

    [Fact]
    public async Task Rules_OneInstanceFailing_AlertOnlyForIt_ThenRecovery_ThenEveryInstanceFailing_DependencyAlert()
    {
        var prometheus = _prometheus!;

        // Every instance ready: the fleet view reads 3 of 3.
        await WaitForAsync(prometheus, $"healthkit:service_ready:ratio{{service_name=\"{Service}\"}}", samples => samples.Count == 1 && samples[0].Value == 1);
        await WaitForAsync(prometheus, $"healthkit:service_instances:count{{service_name=\"{Service}\"}}", samples => samples.Count == 1 && samples[0].Value == 3);

        // One instance's disk check fails (a live edit of its settings, no restart): readiness fails there only.
        var failing = _instances[1];
        failing.SetDiskThreshold(100);
        await WaitForAlertAsync(prometheus, "HealthKitInstanceNotReady", "firing", alerts => alerts.Count == 1);
        var notReady = await FiringAsync(prometheus, "HealthKitInstanceNotReady");
        var alert = Assert.Single(notReady);
        Assert.Equal(failing.Target, alert.Labels["instance"]);
        Assert.Equal(Service, alert.Labels["service_name"]);
        Assert.Equal(Job, alert.Labels["job"]);
        var ratio = Assert.Single(await prometheus.QueryAsync($"healthkit:service_ready:ratio{{service_name=\"{Service}\"}}"));
        Assert.Equal(2.0 / 3, ratio.Value, 6);
        var unhealthy = Assert.Single(await prometheus.QueryAsync($"healthkit:check_unhealthy:count{{service_name=\"{Service}\",healthkit_check_name=\"disk\"}}"));
        Assert.Equal(1, unhealthy.Value);
        Assert.DoesNotContain(await prometheus.AlertsAsync(), a => a.Labels["alertname"] == "HealthKitDependencyDown");

        // It recovers: everything resolves.
        failing.SetDiskThreshold(0.0001);
        await WaitForAsync(prometheus, $"healthkit:service_ready:ratio{{service_name=\"{Service}\"}}", samples => samples.Count == 1 && samples[0].Value == 1);
        await WaitForAlertAsync(prometheus, "HealthKitInstanceNotReady", "firing", alerts => alerts.Count == 0);

        // The disk fails on every instance at once: a dependency, not an instance.
        foreach (var instance in _instances)
        {
            instance.SetDiskThreshold(100);
        }

        await WaitForAlertAsync(prometheus, "HealthKitDependencyDown", "firing", alerts => alerts.Count == 1);
        var dependency = Assert.Single(await FiringAsync(prometheus, "HealthKitDependencyDown"));
        Assert.Equal("disk", dependency.Labels["healthkit_check_name"]);
        Assert.Equal(Service, dependency.Labels["service_name"]);
        await WaitForAsync(prometheus, $"healthkit:service_ready:ratio{{service_name=\"{Service}\"}}", samples => samples.Count == 1 && samples[0].Value == 0);

        // Every panel of the dashboard parses and returns data for this fleet.
        foreach (var (title, expression) in DashboardQueries())
        {
            var samples = await prometheus.QueryAsync(expression);
            Assert.True(samples.Count > 0, $"the panel '{title}' returned no data: {expression}");
        }
    }

    /// <summary>The shipped rules with every <c>for:</c> shortened to 2 s; nothing else differs.</summary>
    internal static string ShortenedRules()
    {
        var shipped = File.ReadAllText(PrometheusRulesTests.RulesPath);
        var shortened = ForDuration().Replace(shipped, match => match.Groups[1].Value + "2s");
        var shippedLines = shipped.Split('\n');
        var shortenedLines = shortened.Split('\n');
        Assert.Equal(shippedLines.Length, shortenedLines.Length);
        Assert.All(shippedLines.Zip(shortenedLines).Where(pair => pair.First != pair.Second), pair => Assert.Matches(ForDuration(), pair.First));
        return shortened;
    }

    /// <summary>Every panel target of the shipped dashboard, its variables replaced with values for this fleet.</summary>
    internal static IEnumerable<(string Title, string Expression)> DashboardQueries()
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "deploy", "grafana", "healthkit.json")))!;
        var panels = dashboard["panels"]!.AsArray();
        Assert.NotEmpty(panels);
        foreach (var panel in panels)
        {
            var targets = panel!["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            foreach (var target in targets)
            {
                var expression = target!["expr"]!.GetValue<string>()
                    .Replace("$service", Service, StringComparison.Ordinal)
                    .Replace("$__rate_interval", "30s", StringComparison.Ordinal);
                Assert.DoesNotContain("$", expression, StringComparison.Ordinal);
                yield return (panel["title"]!.GetValue<string>(), expression);
            }
        }
    }

    public async ValueTask InitializeAsync()
    {
        MutationRun.SkipOutOfProcessTest();
        for (var i = 0; i < 3; i++)
        {
            _instances.Add(await Instance.StartAsync());
        }

        // Probes, as the kubelet sends them: a scrape never starts a run, so without probes no result would change.
        _probing = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        _prober = ProbeAsync(_probing.Token);
        _prometheus = await PrometheusServer.StartAsync(Job, [.. _instances.Select(i => i.Target)], ShortenedRules());
    }

    public async ValueTask DisposeAsync()
    {
        if (_probing is not null)
        {
            await _probing.CancelAsync();
            await _prober!.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _probing.Dispose();
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        foreach (var instance in _instances)
        {
            instance.Dispose();
        }
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (!cancellationToken.IsCancellationRequested)
        {
            foreach (var instance in _instances)
            {
                try
                {
                    using var response = await client.GetAsync(instance.Address + "health/ready", cancellationToken);
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task WaitForAsync(PrometheusServer prometheus, string expression, Func<IReadOnlyList<PrometheusServer.Sample>, bool> condition)
    {
        IReadOnlyList<PrometheusServer.Sample> last = [];
        try
        {
            await Eventually.WaitUntilAsync(async () => condition(last = await prometheus.QueryAsync(expression)), Limit);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{expression} did not reach the expected value within {Limit}; last: {Describe(last)}\n{prometheus.Output}");
        }
    }

    private static async Task WaitForAlertAsync(PrometheusServer prometheus, string name, string state, Func<IReadOnlyList<PrometheusServer.Alert>, bool> condition)
    {
        IReadOnlyList<PrometheusServer.Alert> last = [];
        try
        {
            await Eventually.WaitUntilAsync(async () => condition(last = [.. (await prometheus.AlertsAsync()).Where(a => a.Labels["alertname"] == name && a.State == state)]), Limit);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{name} ({state}) did not reach the expected count within {Limit}; last: {string.Join("; ", last.Select(a => string.Join(',', a.Labels)))}");
        }
    }

    private static async Task<List<PrometheusServer.Alert>> FiringAsync(PrometheusServer prometheus, string name) =>
        [.. (await prometheus.AlertsAsync()).Where(a => a.Labels["alertname"] == name && a.State == "firing")];

    private static string Describe(IReadOnlyList<PrometheusServer.Sample> samples) =>
        samples.Count == 0 ? "no samples" : string.Join("; ", samples.Select(s => $"{string.Join(',', s.Labels)} = {s.Value.ToString(CultureInfo.InvariantCulture)}"));

    [GeneratedRegex(@"^(\s+for: )\S+$", RegexOptions.Multiline)]
    private static partial Regex ForDuration();

    /// <summary>One sample instance: a process with a settings file of its own that the test edits while it runs.</summary>
    private sealed class Instance : IDisposable
    {
        private readonly string _contentRoot;
        private readonly SampleProcess _process;

        private Instance(string contentRoot, SampleProcess process, Uri address)
        {
            _contentRoot = contentRoot;
            _process = process;
            Address = address;
        }

        public Uri Address { get; }

        /// <summary>How Prometheus names this instance: host and port.</summary>
        public string Target => $"{Address.Host}:{Address.Port}";

        public static async Task<Instance> StartAsync()
        {
            var contentRoot = Directory.CreateTempSubdirectory("healthkit-fleet-").FullName;
            File.Copy(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), Path.Combine(contentRoot, "appsettings.json"));
            var process = SampleProcess.Start(
                new Dictionary<string, string>
                {
                    ["Sample__Prometheus"] = "true",
                    ["OTEL_SERVICE_NAME"] = Service,
                    ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
                },
                contentRoot: contentRoot);
            var address = await process.WaitForAddressAsync(TimeSpan.FromSeconds(30));
            return new Instance(contentRoot, process, new Uri(address.GetLeftPart(UriPartial.Authority) + "/"));
        }

        /// <summary>Sets the disk check's Degraded and Unhealthy free-space floor: 100% fails on any real disk.</summary>
        public void SetDiskThreshold(double percent)
        {
            var path = Path.Combine(_contentRoot, "appsettings.json");
            var settings = JsonNode.Parse(File.ReadAllText(path))!;
            var disk = settings["HealthKit"]!["Checks"]!["disk"]!;
            disk["Degraded"] = new JsonObject { ["MinimumFreePercent"] = percent };
            disk["Unhealthy"] = new JsonObject { ["MinimumFreePercent"] = percent };
            File.WriteAllText(path, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }

        public void Dispose()
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_contentRoot, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
