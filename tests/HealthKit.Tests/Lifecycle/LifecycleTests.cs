using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Lifecycle;

public sealed class LifecycleTests
{
    private static Task<TestHost> Start(
        FakeTimeProvider time,
        string drain,
        Action<IHealthChecksBuilder>? checks = null,
        string readinessFailDelay = "00:00:00") =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                var builder = b.Services.AddHealthKit();
                checks?.Invoke(builder);
            },
            map: app =>
            {
                app.MapGet("/orders", () => "ok");
                app.MapHealthKit();
            },
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Lifecycle:DrainDelay"] = drain,
                ["HealthKit:Lifecycle:ReadinessFailDelay"] = readinessFailDelay,
            },
            environment: "Development");

    [Fact]
    public async Task StopAsync_FailsReadinessAtOnce_HoldsStopForDrain_KeepsServing()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, "00:00:20");
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);

        var stopping = host.App.StopAsync(TestContext.Current.CancellationToken);

        var ready = await host.GetAsync("/health/ready");
        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("shutting down", ready.Entry("availability").GetProperty("description").GetString());
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/orders")).StatusCode);

        time.Advance(TimeSpan.FromSeconds(19));
        await Task.Yield();
        Assert.False(stopping.IsCompleted);
        Assert.Equal(200, (await host.GetAsync("/orders")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);

        time.Advance(TimeSpan.FromSeconds(1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Shutdown_IsLoggedAsExpected_NotAsAnError()
    {
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00.050" },
            logs: logs);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);

        var stopping = host.App.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Single(logs.ForEvent(7, "HealthKitReadinessFailing"));
        Assert.Single(logs.ForEvent(8, "HealthKitDrainStarted"));
        Assert.Single(logs.ForEvent(9, "HealthKitDrainCompleted"));
        var change = Assert.Single(logs.ForEvent(1, "HealthKitCheckStatusChanged"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Information, change.Level);
        Assert.DoesNotContain(logs.Entries, e => e.Category.StartsWith("HealthKit", StringComparison.Ordinal) && e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task StopAsync_AfterTheHostIsDisposed_IsHarmless()
    {
        // WebApplicationFactory stops a host whose app.Run() may already have stopped and disposed it.
        var logs = new TestLogSink();
        var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00.050" },
            logs: logs);
        var lifecycle = host.Services.GetServices<IHostedService>().OfType<HealthKit.Lifecycle.LifecycleService>().Single();
        await host.DisposeAsync();

        var stop = lifecycle.StopAsync(CancellationToken.None);
        var stopping = lifecycle.StoppingAsync(CancellationToken.None);

        // Neither throws, and the second stop neither drains again nor logs the shutdown again.
        Assert.True(stop.IsCompletedSuccessfully);
        Assert.True(stopping.IsCompletedSuccessfully);
        await Task.WhenAll(stop, stopping);
        Assert.Single(logs.ForEvent(7, "HealthKitReadinessFailing"));
        Assert.Single(logs.ForEvent(8, "HealthKitDrainStarted"));
        Assert.DoesNotContain(logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task ApplicationStopping_FailsReadinessBeforeTheHostStops()
    {
        // A SIGTERM calls StopApplication first; the host's StopAsync comes after.
        var time = new FakeTimeProvider();
        await using var host = await Start(time, "00:00:00");

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
        Assert.True(host.Services.GetRequiredService<HealthKitAvailability>().IsStopping);
    }

    [Fact]
    public async Task ReadinessFailDelay_KeepsReadinessPassingThatLong()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, "00:00:20", readinessFailDelay: "00:00:05");

        var stopping = host.App.StopAsync(TestContext.Current.CancellationToken);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);

        time.Advance(TimeSpan.FromSeconds(15));
        await stopping.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StartupTasks_GateStartupAndReadiness_NotLiveness()
    {
        var time = new FakeTimeProvider();
        var migrations = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var warmed = false;
        await using var host = await Start(time, "00:00:00", c => c
            .AddStartupTask("migrations", (_, ct) => migrations.Task.WaitAsync(ct))
            .AddStartupTask("warm-up", (services, _) =>
            {
                warmed = services.GetService<HealthKitAvailability>() is not null;
                return Task.CompletedTask;
            }));

        var startup = await host.GetAsync("/health/startup");
        Assert.Equal(503, startup.StatusCode);
        Assert.Equal("starting: waiting for migrations, warm-up", startup.Entry("startup").GetProperty("description").GetString());
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);

        migrations.SetResult();
        await Eventually.True(async () => (await host.GetAsync("/health/startup")).StatusCode == 200);

        Assert.True(warmed);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.True(host.Services.GetRequiredService<HealthKitAvailability>().IsStarted);
    }

    [Fact]
    public async Task StartupTask_Failing_KeepsStartupFailing_WithoutItsMessage()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, "00:00:00", c => c.AddStartupTask(
            "migrations", (_, _) => throw new InvalidOperationException("Password=hunter2")));

        await Eventually.True(async () => (await host.GetAsync("/health/startup")).Body.Contains("failed", StringComparison.Ordinal));
        var startup = await host.GetAsync("/health/startup");

        Assert.Equal(503, startup.StatusCode);
        Assert.Equal("startup task 'migrations' failed (InvalidOperationException)", startup.Entry("startup").GetProperty("description").GetString());
        Assert.DoesNotContain("hunter2", startup.Body, StringComparison.Ordinal);
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task MarkNotReady_FailsReadinessOnly_UntilMarkReady()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, "00:00:00");
        var availability = host.Services.GetRequiredService<HealthKitAvailability>();

        availability.MarkNotReady("maintenance");
        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("not ready: maintenance", ready.Entry("availability").GetProperty("description").GetString());
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/startup")).StatusCode);
        Assert.Equal("maintenance", availability.NotReadyReason);

        availability.MarkReady();
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Null(availability.NotReadyReason);
    }

    [Fact]
    public async Task Running_AvailabilityAcceptsTraffic_AndStartupSaysStarted_WithTheHostAndTaskData()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, "00:00:00");

        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(200, ready.StatusCode);
        Assert.Equal("accepting traffic", ready.Entry("availability").GetProperty("description").GetString());
        var startup = ready.Entry("startup");
        Assert.Equal("started", startup.GetProperty("description").GetString());
        Assert.True(startup.GetProperty("data").GetProperty("hostStarted").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Object, startup.GetProperty("data").GetProperty("tasks").ValueKind);
    }

    [Fact]
    public async Task StartupCheck_BeforeTheHostHasStarted_SaysStarting()
    {
        var availability = new HealthKitAvailability(new FakeTimeProvider(), [new HealthKit.Lifecycle.StartupTaskRegistration("migrations", (_, _) => Task.CompletedTask)]);

        var result = await new HealthKit.Lifecycle.StartupCheck(availability).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("starting", result.Description);
        Assert.Equal(false, result.Data["hostStarted"]);
        Assert.Equal("Pending", Assert.IsType<Dictionary<string, object>>(result.Data["tasks"])["migrations"]);
    }

    [Fact]
    public async Task ZeroReadinessFailDelay_FailsReadinessWhenStoppingBegins_WithoutWaitingForATimer()
    {
        // Timers that never fire: readiness must fail on the stopping signal itself, not on a timer due "now".
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(new TimersNeverFire());
                b.Services.AddHealthKit();
            },
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00",
                ["HealthKit:Lifecycle:ReadinessFailDelay"] = "00:00:00",
            },
            environment: "Development");

        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.True(host.Services.GetRequiredService<HealthKitAvailability>().ReadinessFailing);
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task ZeroDrainDelay_StopsWithoutADrain_AndLogsNone()
    {
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00" },
            logs: logs);

        await host.App.StopAsync(TestContext.Current.CancellationToken);

        Assert.Single(logs.ForEvent(7, "HealthKitReadinessFailing"));
        Assert.Empty(logs.ForEvent(8, "HealthKitDrainStarted"));
        Assert.Empty(logs.ForEvent(9, "HealthKitDrainCompleted"));
    }

    [Fact]
    public async Task LifecycleChecks_AreNeverServedStale_WhateverTheCacheTtl()
    {
        var time = new FakeTimeProvider();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit(o => o.Defaults.CacheTtl = TimeSpan.FromMinutes(5));
            });
        var availability = host.Services.GetRequiredService<HealthKitAvailability>();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
            availability.MarkNotReady("maintenance");
            Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
            availability.MarkReady();
        }
    }

    [Theory]
    [InlineData("00:00:30", "00:00:00", "HealthKit:Lifecycle:DrainDelay")]
    [InlineData("00:01:00", "00:00:00", "HealthKit:Lifecycle:DrainDelay")]
    [InlineData("-00:00:01", "00:00:00", "HealthKit:Lifecycle:DrainDelay")]
    [InlineData("00:00:05", "00:00:06", "HealthKit:Lifecycle:ReadinessFailDelay")]
    [InlineData("00:00:05", "-00:00:01", "HealthKit:Lifecycle:ReadinessFailDelay")]
    public async Task InvalidDrain_StopsStartup_NamingTheKey(string drain, string readinessFailDelay, string key)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Lifecycle:DrainDelay"] = drain,
                ["HealthKit:Lifecycle:ReadinessFailDelay"] = readinessFailDelay,
            }));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainDelay_DefaultsToZeroInDevelopment_AndFiveSecondsElsewhere()
    {
        var production = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Production" };
        var development = new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Development" };

        Assert.Equal(TimeSpan.FromSeconds(5), HealthKit.Lifecycle.LifecycleService.EffectiveDrainDelay(new HealthKitLifecycleOptions(), production));
        Assert.Equal(TimeSpan.Zero, HealthKit.Lifecycle.LifecycleService.EffectiveDrainDelay(new HealthKitLifecycleOptions(), development));
        Assert.Equal(TimeSpan.FromSeconds(2), HealthKit.Lifecycle.LifecycleService.EffectiveDrainDelay(new HealthKitLifecycleOptions { DrainDelay = TimeSpan.FromSeconds(2) }, development));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task LifecycleChecks_StayOnTheirEndpoints_WhenTheEndpointsRunOtherTags()
    {
        // Readiness and startup moved to tags of the application's own: the startup check still gates both, and the
        // availability check (the drain) still gates readiness; a check with the old ready tag no longer runs there.
        await using var host = await TestHost.StartWithChecksAsync(
            new FakeTimeProvider(),
            c => c.AddCheck("db", () => HealthCheckResult.Healthy(), ["critical"])
                .AddCheck("cache", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready]),
            o =>
            {
                o.Endpoints.Ready.Tag = "critical";
                o.Endpoints.Ready.DetailLevel = HealthDetailLevel.Components;
                o.Endpoints.Startup.Tag = "boot";
                o.Endpoints.Startup.AllowEmpty = true; // no check carries "boot": startup runs only the lifecycle check
                o.Endpoints.Startup.DetailLevel = HealthDetailLevel.Components;
            });

        var ready = await host.GetAsync("/health/ready");
        var startup = await host.GetAsync("/health/startup");

        Assert.Equal(200, ready.StatusCode);
        Assert.Equal(["availability", "db", "startup"], ready.EntryNames.Order(StringComparer.Ordinal));
        Assert.Equal(200, startup.StatusCode);
        Assert.Equal(["startup"], startup.EntryNames);
    }

    /// <summary>The system clock, but every timer it creates never fires.</summary>
    private sealed class TimersNeverFire : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
