using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>The engine's promises under settings that broke them once: global damping, global background mode, odd results.</summary>
public sealed class EngineGuaranteeTests
{
    private static Task<TestHost> Start(FakeTimeProvider time, Action<HealthKitOptions> options, Action<IHealthChecksBuilder>? checks = null) =>
        TestHost.StartAsync(b =>
        {
            b.Services.AddSingleton<TimeProvider>(time);
            var health = b.Services.AddHealthKit(options);
            checks?.Invoke(health);
        });

    [Fact]
    public async Task Stopping_WithGlobalDamping_ReadinessIsUnhealthyOnTheNextProbe()
    {
        await using var host = await Start(new FakeTimeProvider(), o => o.Defaults.UnhealthyAfterFailures = 3);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("Unhealthy", ready.Status);
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task NotReady_WithGlobalDamping_IsUnhealthyNotDegraded()
    {
        await using var host = await Start(new FakeTimeProvider(), o =>
        {
            o.Defaults.UnhealthyAfterFailures = 3;
            o.Endpoints.Ready.DetailLevel = HealthDetailLevel.Full;
        });

        host.Services.GetRequiredService<HealthKitAvailability>().MarkNotReady("maintenance");
        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("not ready: maintenance", ready.Entry("availability").GetProperty("description").GetString());
    }

    [Fact]
    public async Task GlobalBackgroundMode_StartupAndReadiness_PassAsSoonAsTheHostHasStarted()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, o => o.Defaults.Mode = HealthCheckMode.Background);

        Assert.Equal(200, (await host.GetAsync("/health/startup")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task LifecycleOverride_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Start(new FakeTimeProvider(), o => o.Checks["availability"] = new HealthCheckPolicy { UnhealthyAfterFailures = 3 }));

        Assert.Contains("'HealthKit:Checks:availability:UnhealthyAfterFailures'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableData_IsTheFailureStatus_NotA500_AndTheNextRunStarts()
    {
        var time = new FakeTimeProvider();
        var unreadable = true;
        var check = new CountingCheck(() => unreadable
            ? HealthCheckResult.Healthy("ok", new Dictionary<string, object> { ["items"] = Enumerable.Range(0, 1).Select<int, object>(_ => throw new InvalidOperationException("boom")) })
            : HealthCheckResult.Healthy("ok"));
        await using var host = await Start(time, o => o.Endpoints.Ready.DetailLevel = HealthDetailLevel.Full, c => c.AddCheck("db", check, tags: [HealthKitTags.Ready]));

        var first = await host.GetAsync("/health/ready");
        Assert.Equal(503, first.StatusCode);
        Assert.Equal("check returned data that could not be read (InvalidOperationException)", first.Entry("db").GetProperty("description").GetString());

        unreadable = false;
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Timeout_OfADampedCheck_IsDampedLikeAnyFailure()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(
            time,
            o =>
            {
                o.Endpoints.Health.DetailLevel = HealthDetailLevel.Full;
                o.Defaults.FailureCacheTtl = TimeSpan.Zero;
            },
            c => c.AddCheck("db", new IgnoresTokenCheck(check)).ConfigureCheck("db", p => p.UnhealthyAfterFailures = 3));

        var pending = host.GetAsync("/health");
        await Eventually.True(() => check.Runs == 1);
        time.Advance(TimeSpan.FromMilliseconds(700));
        var first = await pending;

        Assert.Equal(200, first.StatusCode);
        Assert.Equal("Degraded", first.Entry("db").GetProperty("status").GetString());
        Assert.Equal("failing (1 of 3): timed out", first.Entry("db").GetProperty("description").GetString());
        Assert.Equal("Degraded", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        Assert.Equal("Unhealthy", (await host.GetAsync("/health")).Entry("db").GetProperty("status").GetString());
        Assert.Equal(1, check.Runs);
        check.Gate.SetResult();
    }
}
