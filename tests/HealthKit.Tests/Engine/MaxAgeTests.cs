using HealthKit.Engine;
using HealthKit.Internal;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Listeners;
using HealthKit.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>A result older than its check's maximum age is not believed, and everyone hears so when it happens.</summary>
public sealed class MaxAgeTests
{
    [Fact]
    public async Task MaxAge_NothingRefreshesTheResult_StaleWhenItHappens_HeardLoggedOnceAndAged()
    {
        var time = new FakeTimeProvider();
        var logs = new TestLogSink();
        var recorded = new RecordingListener();
        var check = new CountingCheck(() => HealthCheckResult.Healthy("fine"));
        await using var host = await TestHost.StartWithChecksAsync(
            time,
            c =>
            {
                c.AddCheck("db", check, tags: [HealthKitTags.Ready]);
                c.Services.AddSingleton<IHealthStatusListener>(recorded);
            },
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:db:MaxAge"] = "00:00:10" },
            logs: logs);
        using var meter = new MeterCapture(host.Services);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        Assert.Equal(200, (await host.GetAsync("/health/checks/db")).StatusCode);

        time.Advance(TimeSpan.FromSeconds(9.9));
        await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);
        Assert.Empty(recorded.Changes);

        // No request comes: the timer makes it stale at ten seconds.
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.True(() => recorded.Of(HealthStatusChangeKind.Check).Any());
        var stale = Assert.Single(recorded.Of(HealthStatusChangeKind.Check));
        Assert.Equal(("db", (HealthStatus?)HealthStatus.Healthy, HealthStatus.Unhealthy), (stale.Name, stale.PreviousStatus, stale.Status));
        Assert.StartsWith("stale: last result 10.0 s ago", stale.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, engine.Endpoints.Get("Ready")!.Status);
        await Eventually.True(() => recorded.Of(HealthStatusChangeKind.Endpoint).Any(c => c.Name == "Ready" && c.Status == HealthStatus.Unhealthy));

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(40, meter.Scrape().Series("healthkit.check.age", ("healthkit.check.name", "db")));
        Assert.Equal(1, meter.Scrape().Series("healthkit.check.status", ("healthkit.check.name", "db"), ("healthkit.status", "unhealthy")));
        Assert.Single(logs.ForEvent(Log.Events.CheckStale, "HealthKitCheckStale"));
        Assert.Equal(1, check.Runs);

        // The next request runs it again, and the fresh result replaces the stale one.
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(2, check.Runs);
        Assert.Equal(HealthStatus.Healthy, engine.Endpoints.Get("Ready")!.Status);
    }

    [Fact]
    public async Task MaxAge_Defaults_BackgroundThreePeriodsPlusTimeout_OnDemandNone_LifecycleExempt()
    {
        await using var host = await TestHost.StartWithChecksAsync(
            new FakeTimeProvider(),
            c => c.AddCheck("bg", new CountingCheck()).AddCheck("od", new CountingCheck()),
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:bg:Mode"] = "Background", ["HealthKit:Checks:bg:Period"] = "00:00:20" });
        var engine = host.Services.GetRequiredService<HealthEngine>();

        Assert.Equal(TimeSpan.FromSeconds(60.7), engine.Find("bg")!.Policy.MaxAge);
        Assert.Null(engine.Find("od")!.Policy.MaxAge);
        Assert.All(engine.Slots.Where(slot => slot.IsLifecycle), slot => Assert.Null(slot.Policy.MaxAge));
    }

    [Theory]
    [InlineData("HealthKit:Checks:bg:MaxAge", "00:00:22", "The configuration key 'HealthKit:Checks:bg:MaxAge' (00:00:22) must be longer than the period of health check 'bg' with its 10% jitter plus its timeout (00:00:22.7000000)")]
    [InlineData("HealthKit:Defaults:MaxAge", "00:00:00.500", "The configuration key 'HealthKit:Defaults:MaxAge' (00:00:00.5000000) must be longer than")]
    [InlineData("HealthKit:Checks:od:MaxAge", "00:00:00.500", "The configuration key 'HealthKit:Checks:od:MaxAge' (00:00:00.5000000) must be longer than the timeout of health check 'od' (00:00:00.7000000)")]
    [InlineData("HealthKit:Checks:self:MaxAge", "00:01:00", "'HealthKit:Checks:self:MaxAge' cannot be set")]
    [InlineData("HealthKit:Defaults:MaxAge", "-00:00:01", "HealthKit:Defaults:MaxAge must be greater than zero")]
    public async Task Startup_MaxAgeLeavingNoRoomForARun_FailsNamingTheKey(string key, string value, string message)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartWithChecksAsync(
            new FakeTimeProvider(),
            c => c.AddCheck("bg", new CountingCheck()).AddCheck("od", new CountingCheck()),
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:bg:Mode"] = "Background", ["HealthKit:Checks:bg:Period"] = "00:00:20", [key] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}
