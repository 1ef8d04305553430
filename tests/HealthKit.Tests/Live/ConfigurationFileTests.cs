using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Live;

/// <summary>
/// A configuration file that fails to parse, or is deleted, while the app runs is a failed reload: event 70 names the
/// file and why, the previous settings stay, and a later reload of another file does not apply the broken file's
/// emptied data. Real JSON files on disk, watched by .NET's own file provider.
/// </summary>
public sealed class ConfigurationFileTests : IDisposable
{
    private const int Rejected = 70;
    private const string RejectedName = "HealthKitSettingsRejected";
    private const int Reloaded = 71;
    private const string ReloadedName = "HealthKitSettingsReloaded";
    private const string Valid = """{ "HealthKit": { "Checks": { "replica": { "Enabled": false } } } }""";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    private readonly string _folder = Directory.CreateTempSubdirectory("healthkit-config-").FullName;

    private string Settings => Path.Combine(_folder, "appsettings.json");

    private string Other => Path.Combine(_folder, "other.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(TestHost Host, TestLogSink Logs)> StartAsync()
    {
        await File.WriteAllTextAsync(Settings, Valid, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Other, """{ "Unrelated": { "Value": "1" } }""", TestContext.Current.CancellationToken);
        var logs = new TestLogSink();
        var host = await TestHost.StartAsync(
            b =>
            {
                b.Configuration.AddJsonFile(Settings, optional: false, reloadOnChange: true);
                b.Configuration.AddJsonFile(Other, optional: false, reloadOnChange: true);
                b.Services.AddHealthKit()
                    .AddCheck("db", () => HealthCheckResult.Healthy(), tags: [HealthKitTags.Ready])
                    .AddCheck("replica", () => HealthCheckResult.Unhealthy("replica unreachable"), tags: [HealthKitTags.Ready]);
            },
            logs: logs);
        return (host, logs);
    }

    /// <summary>Another file changes, which reloads the whole configuration.</summary>
    private async Task UnrelatedReloadAsync(TestHost host, string value)
    {
        var configuration = host.App.Configuration;
        await File.WriteAllTextAsync(Other, $$"""{ "Unrelated": { "Value": "{{value}}" } }""", TestContext.Current.CancellationToken);
        await Eventually.WaitUntilAsync(() => configuration["Unrelated:Value"] == value, Limit);
    }

    [Theory]
    [InlineData("""{ "HealthKit": { "Checks": { "repl""")]
    [InlineData("")]
    public async Task Reload_FileNoLongerParses_RejectedNamingTheFile_PreviousSettingsStay_EvenAfterAnotherFileReloads(string broken)
    {
        var (host, logs) = await StartAsync();
        await using var _ = host;
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);

        await File.WriteAllTextAsync(Settings, broken, TestContext.Current.CancellationToken);

        await Eventually.WaitUntilAsync(() => logs.ForEvent(Rejected, RejectedName).Any(), Limit);
        var rejected = Assert.Single(logs.ForEvent(Rejected, RejectedName));
        Assert.Contains("the configuration file '", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("appsettings.json' could not be parsed (", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("HealthKit keeps its previous settings until it parses again", rejected.Message, StringComparison.Ordinal);

        await UnrelatedReloadAsync(host, "2");

        var ready = await host.GetAsync("/health/ready");
        Assert.Equal(200, ready.StatusCode);
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == Reloaded && e.Message.Contains("replica", StringComparison.Ordinal));

        // Fixed, with a change: applied.
        await File.WriteAllTextAsync(Settings, """{ "HealthKit": { "Checks": { "replica": { "Enabled": true, "Critical": false } } } }""", TestContext.Current.CancellationToken);
        await Eventually.WaitUntilAsync(() => logs.ForEvent(Reloaded, ReloadedName).Any(e => e.Message.Contains("replica", StringComparison.Ordinal)), Limit);
        var after = await host.GetAsync("/health/ready");
        Assert.Equal(200, after.StatusCode);
        Assert.Equal("Degraded", after.Status);
    }

    [Fact]
    public async Task Reload_FileDeleted_RejectedNamingTheFile_PreviousSettingsStay_UntilItIsBack()
    {
        var (host, logs) = await StartAsync();
        await using var _ = host;

        File.Delete(Settings);

        await Eventually.WaitUntilAsync(() => logs.ForEvent(Rejected, RejectedName).Any(), Limit);
        Assert.Contains("appsettings.json' is missing", Assert.Single(logs.ForEvent(Rejected, RejectedName)).Message, StringComparison.Ordinal);
        await UnrelatedReloadAsync(host, "3");
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.DoesNotContain(logs.Entries, e => e.EventId.Id == Reloaded && e.Message.Contains("replica", StringComparison.Ordinal));

        await File.WriteAllTextAsync(Settings, """{ "HealthKit": { "Checks": { "replica": { "Critical": false } } } }""", TestContext.Current.CancellationToken);

        await Eventually.WaitUntilAsync(() => logs.ForEvent(Reloaded, ReloadedName).Any(e => e.Message.Contains("replica", StringComparison.Ordinal)), Limit);

        // The file comes back through several watcher events (created, then written); readiness settles on the restored
        // file's settings: replica runs again, non-critical, so readiness is Degraded.
        TestHost.Response? last = null;
        await Eventually.WaitUntilAsync(async () => (last = await host.GetAsync("/health/ready")).Status == "Degraded", Limit);
        Assert.Equal(200, last!.StatusCode);
    }
}
