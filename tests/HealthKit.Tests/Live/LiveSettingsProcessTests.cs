using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Live;

/// <summary>
/// The sample as a real process, reading a copy of its appsettings.json (reloaded on change) from a temporary content
/// root; the test edits that file while the process runs and watches its answers change without a restart.
/// </summary>
public sealed class LiveSettingsProcessTests : IDisposable
{
    private const string DegradedPercentKey = "HealthKit:Checks:disk:Degraded:MinimumFreePercent";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private readonly string _contentRoot = Directory.CreateTempSubdirectory("healthkit-live-").FullName;
    private SampleProcess? _sample;

    private string SettingsPath => Path.Combine(_contentRoot, "appsettings.json");

    [Fact]
    public async Task EditingAppsettings_TurnsACheckOff_RaisesAThreshold_RejectsAnInvalidEdit_WithoutRestart()
    {
        File.Copy(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), SettingsPath);
        Edit(settings => Checks(settings)["disk"]!["Degraded"]!["MinimumFreePercent"] = 0.0001);
        _sample = SampleProcess.Start(new Dictionary<string, string>(), contentRoot: _contentRoot);
        var address = await _sample.WaitForAddressAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(5) };
        var pid = _sample.Process.Id;

        var first = await PollAsync(client, "/health", json => Entries(json).ContainsKey("database") && Status(json, "disk") == "Healthy");
        Assert.Equal("Healthy", Status(first, "database"));

        // An operator turns a check off.
        Edit(settings => Checks(settings)["database"]!["Enabled"] = false);
        await PollAsync(client, "/health", json => !Entries(json).ContainsKey("database"));
        var ready = await PollAsync(client, "/health/ready?verbose", json => !Entries(json).ContainsKey("database"));
        Assert.Equal(["startup", "availability", "disk", "memory"], Entries(ready).Keys);

        // And raises a threshold: no real disk has 100% free, so the disk reports Degraded.
        Edit(settings => Checks(settings)["disk"]!["Degraded"]!["MinimumFreePercent"] = 100);
        var degraded = await PollAsync(client, "/health", json => Status(json, "disk") == "Degraded");
        Assert.Equal("Degraded", degraded.GetProperty("status").GetString());

        // An invalid edit is rejected whole: the valid change beside it (database back on) does not happen either.
        Edit(settings =>
        {
            Checks(settings)["disk"]!["Degraded"]!["MinimumFreePercent"] = "plenty";
            Checks(settings)["database"]!["Enabled"] = true;
        });
        await Eventually.WaitUntilAsync(() => RejectionLines().Count > 0, Limit);
        var after = await GetJsonAsync(client, "/health");
        Assert.False(Entries(after).ContainsKey("database"));
        Assert.Equal("Degraded", Status(after, "disk"));
        Assert.Equal(pid, _sample.Process.Id);
        Assert.False(_sample.Process.HasExited);
        var rejection = Assert.Single(RejectionLines());
        Assert.Contains(DegradedPercentKey, rejection, StringComparison.Ordinal);

        // Fixing the file is taken as usual.
        Edit(settings => Checks(settings)["disk"]!["Degraded"]!["MinimumFreePercent"] = 0.0001);
        var fixedUp = await PollAsync(client, "/health", json => Entries(json).ContainsKey("database") && Status(json, "disk") == "Healthy");
        Assert.Equal("Healthy", Status(fixedUp, "database"));
        Assert.Single(RejectionLines());
    }

    [Fact]
    public async Task NonCriticalCheck_FailsWithoutFailingReadiness_UntilItIsMadeCriticalAgain_WithoutRestart()
    {
        // No real disk has 100% free, so the disk check is Unhealthy from the start; it is marked non-critical.
        File.Copy(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), SettingsPath);
        Edit(settings =>
        {
            var disk = Checks(settings)["disk"]!;
            disk["Degraded"] = new JsonObject { ["MinimumFreePercent"] = 100 };
            disk["Unhealthy"] = new JsonObject { ["MinimumFreePercent"] = 100 };
            disk["Critical"] = false;
        });
        _sample = SampleProcess.Start(new Dictionary<string, string>(), contentRoot: _contentRoot);
        var address = await _sample.WaitForAddressAsync(TimeSpan.FromSeconds(30));
        using var client = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(5) };

        var (code, ready) = await GetAsync(client, "/health/ready?verbose");
        Assert.Equal(200, code);
        Assert.Equal("Degraded", ready.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", Status(ready, "disk"));

        // The sample reports its memory and error rate beside the rest.
        var health = await GetJsonAsync(client, "/health");
        Assert.Equal("Healthy", Status(health, "memory"));
        Assert.NotNull(Status(health, "errors"));

        // The operator makes the check critical again: readiness fails at the next request.
        Edit(settings => Checks(settings)["disk"]!["Critical"] = true);
        await Eventually.WaitUntilAsync(async () => (await GetAsync(client, "/health/ready")).StatusCode == 503, Limit);
        var (failing, body) = await GetAsync(client, "/health/ready?verbose");
        Assert.Equal(503, failing);
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
    }

    private static async Task<(int StatusCode, JsonElement Json)> GetAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
        return ((int)response.StatusCode, json);
    }

    /// <summary>The rejection log lines: the simple console formatter puts the event on one line and the message below it.</summary>
    private List<string> RejectionLines()
    {
        var lines = _sample!.Lines.ToList();
        return [.. lines.Select((line, i) => (line, i))
            .Where(x => x.line.Contains("[70]", StringComparison.Ordinal))
            .Select(x => x.i + 1 < lines.Count ? lines[x.i + 1] : string.Empty)];
    }

    private static JsonObject Checks(JsonNode settings) => settings["HealthKit"]!["Checks"]!.AsObject();

    private void Edit(Action<JsonNode> change)
    {
        var settings = JsonNode.Parse(File.ReadAllText(SettingsPath))!;
        change(settings);
        File.WriteAllText(SettingsPath, settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static Dictionary<string, JsonElement> Entries(JsonElement json) =>
        json.GetProperty("entries").EnumerateObject().ToDictionary(e => e.Name, e => e.Value);

    private static string? Status(JsonElement json, string check) =>
        Entries(json).TryGetValue(check, out var entry) ? entry.GetProperty("status").GetString() : null;

    private static async Task<JsonElement> PollAsync(HttpClient client, string path, Func<JsonElement, bool> condition)
    {
        JsonElement? last = null;
        await Eventually.WaitUntilAsync(async () =>
        {
            try
            {
                last = await GetJsonAsync(client, path);
                return condition(last.Value);
            }
            catch (HttpRequestException)
            {
                // Still starting.
                return false;
            }
        }, Limit);
        return last!.Value;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    public void Dispose()
    {
        _sample?.Dispose();
        Directory.Delete(_contentRoot, recursive: true);
    }
}
