using HealthKit.Engine;
using HealthKit.Live;
using HealthKit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Live;

public sealed class LiveSettingsTests
{
    private const int Rejected = 70;
    private const string RejectedName = "HealthKitSettingsRejected";
    private const int Reloaded = 71;
    private const string ReloadedName = "HealthKitSettingsReloaded";

    private static Task<TestHost> Start(
        Action<IHealthChecksBuilder> checks,
        Dictionary<string, string?>? configuration = null,
        TestLogSink? logs = null,
        FakeTimeProvider? time = null)
    {
        configuration ??= [];
        configuration["HealthKit:Endpoints:Ready:DetailLevel"] = "Full";
        configuration["HealthKit:Endpoints:Health:DetailLevel"] = "Full";
        return TestHost.StartAsync(
            b =>
            {
                if (time is not null)
                {
                    b.Services.AddSingleton<TimeProvider>(time);
                }

                checks(b.Services.AddHealthKit());
            },
            configuration: configuration,
            logs: logs);
    }

    /// <summary>Sets keys (null removes) in the running app's configuration and reloads it, as a file edit would.</summary>
    private static void Edit(TestHost host, params (string Key, string? Value)[] changes)
    {
        var configuration = (IConfigurationRoot)host.App.Configuration;
        foreach (var (key, value) in changes)
        {
            configuration[key] = value;
        }

        configuration.Reload();
    }

    private static CountingCheck Failing() => new(() => HealthCheckResult.Unhealthy("replica unreachable"));

    [Fact]
    public async Task Evaluate_NonCriticalCheckUnhealthy_EndpointDegradedWhileEntrySaysUnhealthy()
    {
        await using var host = await Start(
            c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]),
            new() { ["HealthKit:Checks:search:Critical"] = "false" });

        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(200, ready.StatusCode);
        Assert.Equal("Degraded", ready.Status);
        Assert.Equal("Unhealthy", ready.Entry("search").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Evaluate_CriticalCheckUnhealthy_EndpointUnhealthy()
    {
        await using var host = await Start(c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]));

        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("Unhealthy", ready.Status);
    }

    [Fact]
    public async Task Evaluate_NonCriticalAndCriticalBothUnhealthy_EndpointUnhealthy()
    {
        await using var host = await Start(
            c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]).AddCheck("db", Failing(), tags: [HealthKitTags.Ready]),
            new() { ["HealthKit:Checks:search:Critical"] = "false" });

        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(503, ready.StatusCode);
    }

    [Fact]
    public async Task Reload_CriticalFalse_NextRequestPassesReadiness()
    {
        await using var host = await Start(c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]));
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);

        Edit(host, ("HealthKit:Checks:search:Critical", "false"));

        var ready = await host.GetAsync("/health/ready");
        Assert.Equal(200, ready.StatusCode);
        Assert.Equal("Unhealthy", ready.Entry("search").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reload_EnabledFalse_CheckNotRunAndLeftOutOfEveryReport()
    {
        var search = Failing();
        await using var host = await Start(
            c => c.AddCheck("search", search, tags: [HealthKitTags.Ready]),
            new() { ["HealthKit:Checks:search:CacheTtl"] = "00:00:00", ["HealthKit:Checks:search:FailureCacheTtl"] = "00:00:00" });
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        var runs = search.Runs;

        Edit(host, ("HealthKit:Checks:search:Enabled", "false"));
        var ready = await host.GetAsync("/health/ready");
        var health = await host.GetAsync("/health");
        var single = await host.GetAsync("/health/checks/search");

        Assert.Equal(200, ready.StatusCode);
        Assert.DoesNotContain("search", ready.EntryNames);
        Assert.DoesNotContain("search", health.EntryNames);
        Assert.Equal(200, single.StatusCode);
        Assert.Equal("Healthy", single.Status);
        Assert.Equal(runs, search.Runs);

        Edit(host, ("HealthKit:Checks:search:Enabled", "true"));
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(runs + 1, search.Runs);
    }

    [Fact]
    public async Task Reload_InvalidValue_RejectedWholeLoggedOnceWithKeyPreviousSettingsStay()
    {
        var logs = new TestLogSink();
        await using var host = await Start(
            c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]),
            new() { ["HealthKit:Checks:search:Critical"] = "false" },
            logs);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);

        // One valid change and one invalid value in the same edit: neither may take effect.
        Edit(host, ("HealthKit:Checks:search:Critical", "true"), ("HealthKit:Checks:search:Timeout", "banana"));
        ((IConfigurationRoot)host.App.Configuration).Reload();

        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        var rejected = Assert.Single(logs.ForEvent(Rejected, RejectedName));
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("HealthKit:Checks:search:Timeout", rejected.Message, StringComparison.Ordinal);
        Assert.False(host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    [Fact]
    public async Task Stopped_ThenAnEdit_ChangesNothing()
    {
        await using var host = await Start(
            c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]),
            new() { ["HealthKit:Checks:search:Critical"] = "false" });
        await host.Services.GetRequiredService<LiveSettings>().StopAsync(TestContext.Current.CancellationToken);

        Edit(host, ("HealthKit:Checks:search:Critical", "true"));

        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Reload_TwoProblems_RejectedInOneLineWithBoth()
    {
        var logs = new TestLogSink();
        await using var host = await Start(
            c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready]).AddCheck("cache", Failing(), tags: [HealthKitTags.Ready]),
            logs: logs);

        Edit(host, ("HealthKit:Checks:search:Timeout", "banana"), ("HealthKit:Checks:cache:Timeout", "apple"));

        var rejected = Assert.Single(logs.ForEvent(Rejected, RejectedName));
        Assert.Matches(@"HealthKit:Checks:cache:Timeout[^\n]*\. [^\n]*HealthKit:Checks:search:Timeout|HealthKit:Checks:search:Timeout[^\n]*\. [^\n]*HealthKit:Checks:cache:Timeout", rejected.Message);
    }

    [Fact]
    public async Task Reload_ThatThrows_IsRejectedNamingTheException_AndChangesNothing()
    {
        var logs = new TestLogSink();
        var broken = false;
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddHealthKit().AddCheck("search", Failing(), tags: [HealthKitTags.Ready]);
                b.Services.Configure<HealthKitOptions>(_ =>
                {
                    if (Volatile.Read(ref broken))
                    {
                        throw new FormatException("password=hk-configure");
                    }
                });
            },
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:search:Critical"] = "false" },
            logs: logs);
        Volatile.Write(ref broken, true);

        Edit(host, ("HealthKit:Checks:search:Critical", "true"));

        var rejected = Assert.Single(logs.ForEvent(Rejected, RejectedName));
        Assert.Contains("reading the new configuration failed (FormatException)", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hk-configure", rejected.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public void Reload_InAContainerWithoutConfiguration_AppliesTheOptions()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddHealthKit().AddCheck("search", Failing());
        using var provider = services.BuildServiceProvider();

        Assert.Empty(provider.GetRequiredService<LiveSettings>().Reload());
    }

    [Fact]
    public async Task Reload_LogsOnlyTheChecksWhosePolicyChanged_AndAnEditThatChangesNoneAtDebug()
    {
        var logs = new TestLogSink();
        await using var host = await Start(
            c => c.AddCheck("search", Failing(), tags: [HealthKitTags.Ready])
                .AddCheck("cache", Failing(), tags: [HealthKitTags.Ready]),
            logs: logs);

        Edit(host, ("HealthKit:Checks:search:Timeout", "00:00:00.400"));
        var changed = Assert.Single(logs.ForEvent(Reloaded, ReloadedName));
        Assert.Equal(LogLevel.Information, changed.Level);
        Assert.EndsWith("checks whose policy changed: search", changed.Message, StringComparison.Ordinal);

        // A reload with nothing changed (file watchers report one save several times): no check, neither the others nor
        // the lifecycle checks (whose policy is fixed), is said to have changed.
        Edit(host);
        var unchanged = logs.ForEvent(Reloaded, ReloadedName).Last();
        Assert.Equal(LogLevel.Debug, unchanged.Level);
        Assert.EndsWith("checks whose policy changed: none", unchanged.Message, StringComparison.Ordinal);
        Assert.Equal(2, logs.ForEvent(Reloaded, ReloadedName).Count());
    }

    [Fact]
    public async Task Reload_OutOfRangeValue_RejectedByTheStartupValidator()
    {
        var logs = new TestLogSink();
        await using var host = await Start(c => c.AddCheck("search", new CountingCheck(), tags: [HealthKitTags.Ready]), logs: logs);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        var before = engine.Find("search")!.Policy;

        Edit(host, ("HealthKit:Checks:search:UnhealthyAfterFailures", "0"));

        Assert.Same(before, engine.Find("search")!.Policy);
        Assert.Contains("HealthKit:Checks:search:UnhealthyAfterFailures", Assert.Single(logs.ForEvent(Rejected, RejectedName)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("self", "CacheTtl", "00:00:05")]
    [InlineData("availability", "Enabled", "false")]
    [InlineData("startup", "Critical", "false")]
    public async Task Reload_LifecycleCheckOverride_Rejected(string check, string key, string value)
    {
        var logs = new TestLogSink();
        await using var host = await Start(c => c.AddCheck("search", new CountingCheck(), tags: [HealthKitTags.Ready]), logs: logs);
        var settings = host.Services.GetRequiredService<LiveSettings>();
        var slot = host.Services.GetRequiredService<HealthEngine>().Find(check)!;
        var before = slot.Policy;

        host.App.Configuration[$"HealthKit:Checks:{check}:{key}"] = value;
        var problems = settings.Reload();

        Assert.Contains(problems, p => p.Contains($"'HealthKit:Checks:{check}:{key}'", StringComparison.Ordinal));
        Assert.Same(before, slot.Policy);
        Assert.Single(logs.ForEvent(Rejected, RejectedName));
    }

    [Fact]
    public async Task Reload_UnknownCheckName_RejectedNamingTheKey()
    {
        await using var host = await Start(c => c.AddCheck("search", new CountingCheck()));
        var settings = host.Services.GetRequiredService<LiveSettings>();

        host.App.Configuration["HealthKit:Checks:serach:Critical"] = "false";
        var problems = settings.Reload();

        Assert.Contains(problems, p => p.Contains("'HealthKit:Checks:serach'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Critical")]
    [InlineData("Enabled")]
    public async Task Startup_DefaultsCriticalOrEnabled_FailsNamingTheKey(string key)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Start(
            c => c.AddCheck("search", new CountingCheck()),
            new() { [$"HealthKit:Defaults:{key}"] = "false" }));

        Assert.Contains($"HealthKit:Defaults:{key} cannot be set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_DuringRun_RunFinishesUnderTheOldPolicyNextRunUsesTheNew()
    {
        var check = new CountingCheck(() => HealthCheckResult.Unhealthy("down")) { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(
            c => c.AddCheck("db", check),
            new() { ["HealthKit:Checks:db:FailureCacheTtl"] = "00:00:00", ["HealthKit:Endpoints:Health:Deadline"] = "00:00:30", ["HealthKit:Defaults:Timeout"] = "00:00:20" });
        var pending = host.GetAsync("/health");
        await Eventually.True(() => check.Runs == 1);

        // The run in flight started without damping; the reload damps runs from now on.
        Edit(host, ("HealthKit:Checks:db:UnhealthyAfterFailures", "3"));
        check.Gate.SetResult();
        var first = await pending;
        var second = await host.GetAsync("/health");

        Assert.Equal("Unhealthy", first.Entry("db").GetProperty("status").GetString());
        Assert.False(first.Entry("db").GetProperty("data").TryGetProperty("consecutiveFailures", out _));
        Assert.Equal("Degraded", second.Entry("db").GetProperty("status").GetString());
        Assert.Equal(2, second.Entry("db").GetProperty("data").GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task Reload_ModeBackgroundThenOnDemand_LoopStartsAndStops()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(c => c.AddCheck("db", check), time: time);
        Assert.Equal(0, check.Runs);

        Edit(host, ("HealthKit:Checks:db:Mode", "Background"), ("HealthKit:Checks:db:Period", "00:00:01"));
        await Eventually.True(() => check.Runs == 1);
        for (var i = 0; i < 3; i++)
        {
            var runs = check.Runs;
            await Eventually.True(() =>
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                return check.Runs > runs;
            });
        }

        Edit(host, ("HealthKit:Checks:db:Mode", "OnDemand"));
        time.Advance(TimeSpan.FromSeconds(2));
        var stopped = check.Runs;
        for (var i = 0; i < 30; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.Delay(TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken);
        }

        Assert.Equal(stopped, check.Runs);
    }

    [Fact]
    public async Task Reload_ShorterPeriod_WaitingLoopRunsOnTheNewPeriod()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(
            c => c.AddCheck("db", check),
            new() { ["HealthKit:Checks:db:Mode"] = "Background", ["HealthKit:Checks:db:Period"] = "01:00:00" },
            time: time);
        await Eventually.True(() => check.Runs == 1);

        Edit(host, ("HealthKit:Checks:db:Period", "00:00:02"));

        // Up to half the old hour, in steps of half the new period: the loop wakes on the reload on a thread of its own,
        // and may arm its new timer only after some steps on a busy machine; a run within the half hour is on the new one.
        var advanced = TimeSpan.Zero;
        while (check.Runs < 2 && advanced < TimeSpan.FromMinutes(30))
        {
            time.Advance(TimeSpan.FromSeconds(1));
            advanced += TimeSpan.FromSeconds(1);
            await Task.Delay(TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Reload_DatabaseQueryAndLatencyThreshold_NextRunReadsTheNewOptions()
    {
        var file = Path.Combine(Path.GetTempPath(), $"healthkit-live-{Guid.NewGuid():N}.db");
        try
        {
            using var dataSource = SqliteFactory.Instance.CreateDataSource($"Data Source={file}");
            await using var host = await Start(
                c => c.AddDatabase("database", o => o.DataSource = dataSource).AddResponseLatency(),
                new() { ["HealthKit:Checks:database:CacheTtl"] = "00:00:00", ["HealthKit:Checks:latency:CacheTtl"] = "00:00:00" });
            Assert.Equal("Healthy", (await host.GetAsync("/health")).Entry("database").GetProperty("status").GetString());
            Assert.StartsWith("not enough requests", (await host.GetAsync("/health")).Entry("latency").GetProperty("description").GetString(), StringComparison.Ordinal);

            Assert.Equal(404, (await host.GetAsync("/not-health")).StatusCode);
            Edit(host, ("HealthKit:Checks:database:Query", "SELECT * FROM no_such_table"), ("HealthKit:Checks:latency:MinimumSamples", "1"));
            var health = await host.GetAsync("/health");

            Assert.Equal("Unhealthy", health.Entry("database").GetProperty("status").GetString());
            Assert.DoesNotContain("not enough requests", health.Entry("latency").GetProperty("description").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Reload_MemoryAndErrorRateThresholds_NextRunReadsTheNewOptions()
    {
        await using var host = await Start(
            c => c.AddMemory().AddErrorRate(),
            new() { ["HealthKit:Checks:memory:CacheTtl"] = "00:00:00", ["HealthKit:Checks:errors:CacheTtl"] = "00:00:00" });
        Assert.Equal("Healthy", (await host.GetAsync("/health")).Entry("memory").GetProperty("status").GetString());
        Assert.StartsWith("not enough requests", (await host.GetAsync("/health")).Entry("errors").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, (await host.GetAsync("/not-health")).StatusCode);

        // Any process uses more than one byte: a one-byte ceiling is Unhealthy at once.
        Edit(host, ("HealthKit:Checks:memory:Unhealthy:MaximumUsedBytes", "1"), ("HealthKit:Checks:errors:MinimumSamples", "1"));
        var health = await host.GetAsync("/health");

        Assert.Equal("Unhealthy", health.Entry("memory").GetProperty("status").GetString());
        Assert.DoesNotContain("not enough requests", health.Entry("errors").GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}
