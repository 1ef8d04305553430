using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Engine;

/// <summary>The README's numbers for background checks and status-change logging, each asserted at its value.</summary>
public sealed class EnginePromiseTests
{
    [Theory]
    [InlineData(30)]
    [InlineData(0.1)]
    [InlineData(3600)]
    public void NextDelay_VariesByUpToTenPercent_OnBothSides(double seconds)
    {
        var period = TimeSpan.FromSeconds(seconds);
        var delays = Enumerable.Range(0, 2000).Select(_ => BackgroundCheckRunner.NextDelay(period)).ToList();

        Assert.All(delays, d => Assert.InRange(d, period * 0.9, period * 1.1));

        // Spread over the whole band: with 2,000 draws, missing either outer fifth by chance is about 2^-600 likely.
        Assert.Contains(delays, d => d < period * 0.92);
        Assert.Contains(delays, d => d > period * 1.08);
    }

    [Fact]
    public async Task Background_NoPeriodSet_WaitsThirtySecondsWithinItsJitter()
    {
        var time = new ObservableTimeProvider();
        var check = new CountingCheck();
        await using var host = await TestHost.StartAsync(b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            b.Services.AddHealthKit().AddCheck("bg", check).ConfigureCheck("bg", p => p.Mode = HealthCheckMode.Background);
        });

        var slot = host.Services.GetRequiredService<HealthEngine>().Find("bg")!;
        Assert.Equal(TimeSpan.FromSeconds(30), slot.Policy.Period);

        // The runner's wait after its first run is the period it actually uses.
        await Eventually.True(() => check.Runs == 1);
        await Eventually.True(() => time.TimersCreatedWith(d => d >= TimeSpan.FromSeconds(27) && d <= TimeSpan.FromSeconds(33)) == 1);
        time.Advance(TimeSpan.FromSeconds(33));
        await Eventually.True(() => check.Runs == 2);
    }

    [Fact]
    public async Task StatusChanges_AreLoggedAtTheLevelOfTheNewStatus()
    {
        var logs = new TestLogSink();
        var status = HealthStatus.Healthy;
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(o => o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero)
                .AddCheck("db", () => new HealthCheckResult(status, "now " + status), [HealthKitTags.Ready]),
            logs: logs);

        foreach (var next in new[] { HealthStatus.Healthy, HealthStatus.Degraded, HealthStatus.Unhealthy, HealthStatus.Degraded, HealthStatus.Healthy })
        {
            status = next;
            await host.GetAsync("/health/ready");
        }

        var checks = logs.ForEvent(1, "HealthKitCheckStatusChanged").ToList();
        var endpoints = logs.ForEvent(4, "HealthKitEndpointStatusChanged").Where(e => e.Message.Contains("'Ready'", StringComparison.Ordinal)).ToList();
        LogLevel[] expected = [LogLevel.Warning, LogLevel.Error, LogLevel.Warning, LogLevel.Information];
        Assert.Equal(expected, checks.Select(e => e.Level));
        Assert.Equal(expected, endpoints.Select(e => e.Level));
        Assert.Equal("Health check 'db' changed from Healthy to Degraded: now Degraded", checks[0].Message);
        Assert.Equal("Health check 'db' changed from Degraded to Healthy: now Healthy", checks[3].Message);
    }
}
