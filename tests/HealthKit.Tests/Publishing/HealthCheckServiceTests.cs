using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Publishing;

/// <summary><see cref="HealthCheckService"/>, as app code and Microsoft's publisher service resolve it, answered by the engine.</summary>
public sealed class HealthCheckServiceTests
{
    private const string Secret = "Sup3rS3cret-9c1d";

    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder> checks, Action<HealthKitOptions>? options = null) =>
        TestHost.StartWithChecksAsync(time, checks, o =>
        {
            o.ReplaceHealthCheckService = true;
            options?.Invoke(o);
        });

    [Fact]
    public async Task CheckHealthAsync_InterleavedWithEndpoints_RunsCheckOncePerTtl()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", check), o => o.Defaults.CacheTtl = TimeSpan.FromSeconds(5));
        var service = host.Services.GetRequiredService<HealthCheckService>();

        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
        var report = await service.CheckHealthAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(4.9));
        await service.CheckHealthAsync(TestContext.Current.CancellationToken);
        await host.GetAsync("/health");

        Assert.Equal(1, check.Runs);
        Assert.Equal(HealthStatus.Healthy, report.Entries["db"].Status);

        time.Advance(TimeSpan.FromSeconds(0.2));
        await service.CheckHealthAsync(TestContext.Current.CancellationToken);
        await host.GetAsync("/health");
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task CheckHealthAsync_ConcurrentWithRequests_CoalescesOntoOneRun()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("db", check));
        var service = host.Services.GetRequiredService<HealthCheckService>();

        var reports = Enumerable.Range(0, 20).Select(_ => service.CheckHealthAsync(TestContext.Current.CancellationToken)).ToArray();
        var requests = Enumerable.Range(0, 20).Select(_ => host.GetAsync("/health")).ToArray();
        await Eventually.True(() => check.Runs > 0);
        check.Gate.SetResult();
        await Task.WhenAll(reports);
        await Task.WhenAll(requests);

        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task CheckHealthAsync_Predicate_RunsOnlySelectedChecks()
    {
        var time = new FakeTimeProvider();
        var db = new CountingCheck();
        var cache = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", db, tags: ["publish"]).AddCheck("cache", cache));
        var service = host.Services.GetRequiredService<HealthCheckService>();

        var report = await service.CheckHealthAsync(r => r.Tags.Contains("publish"), TestContext.Current.CancellationToken);

        Assert.Equal(["db"], report.Entries.Keys);
        Assert.Equal(1, db.Runs);
        Assert.Equal(0, cache.Runs);
    }

    [Fact]
    public async Task CheckHealthAsync_CheckIgnoringToken_AnswersAtItsTimeout()
    {
        var time = new FakeTimeProvider();
        var hung = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(
            time,
            c => c.AddCheck("hung", new IgnoresTokenCheck(hung)).AddCheck("fine", new CountingCheck()),
            o => o.Defaults.Timeout = TimeSpan.FromMilliseconds(700));
        var service = host.Services.GetRequiredService<HealthCheckService>();

        var pending = service.CheckHealthAsync(TestContext.Current.CancellationToken);

        // Runs start on check threads, which may still be starting: "fine" must have answered before the clock moves.
        var fine = host.Services.GetRequiredService<HealthEngine>().Find("fine")!;
        await Eventually.True(() => hung.Runs > 0 && fine.Last is not null);
        time.Advance(TimeSpan.FromMilliseconds(699));
        await Task.Yield();
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var report = await pending.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal("timed out", report.Entries["hung"].Description);
        Assert.Equal(HealthStatus.Healthy, report.Entries["fine"].Status);
        hung.Gate.SetResult();
    }

    [Fact]
    public async Task CheckHealthAsync_CallerCancels_ThrowsAndLeavesTheRunShared()
    {
        var time = new FakeTimeProvider();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("db", check));
        var service = host.Services.GetRequiredService<HealthCheckService>();
        using var cancellation = new CancellationTokenSource();

        var cancelled = service.CheckHealthAsync(cancellation.Token);
        var other = host.GetAsync("/health");
        await Eventually.True(() => check.Runs > 0);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        check.Gate.SetResult();
        var response = await other;
        Assert.Equal(200, response.StatusCode);
        Assert.Equal("counted", host.Services.GetRequiredService<HealthKit.Engine.HealthEngine>().Find("db")!.Last!.Description);
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task CheckHealthAsync_ReadLikeXabaril_CarriesRedactedEntries()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(
            time,
            c => c
                .AddCheck("db", new ThrowingCheck(new InvalidOperationException("connect failed: Host=db;Password=" + Secret)), tags: ["ready", "db"])
                .AddCheck("cache", new CountingCheck(() => HealthCheckResult.Degraded(
                    "slow: Password=" + Secret,
                    data: new Dictionary<string, object> { ["hits"] = 42, ["conn"] = "Server=c;Password=" + Secret, ["nested"] = new Dictionary<string, object> { ["token"] = Secret } }))),
            o => o.IncludeExceptionDetails = true);
        var publisher = new RecordingPublisher();

        await publisher.PublishAsync(await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        var report = Assert.Single(publisher.Reports);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.True(report.TotalDuration >= TimeSpan.Zero);
        Assert.Contains("self", report.Entries.Keys);
        var db = report.Entries["db"];
        Assert.Equal(HealthStatus.Unhealthy, db.Status);
        Assert.Equal(["db", "ready"], db.Tags.Order(StringComparer.Ordinal));
        Assert.NotNull(db.ExceptionMessage);
        Assert.StartsWith("connect failed: Host=db;Password=", db.ExceptionMessage, StringComparison.Ordinal);
        var cache = report.Entries["cache"];
        Assert.Equal(HealthStatus.Degraded, cache.Status);
        Assert.Null(cache.ExceptionMessage);
        Assert.Equal(42, cache.Data["hits"]);
        Assert.IsType<Dictionary<string, object>>(cache.Data["nested"]);
        Assert.True(cache.Duration >= TimeSpan.Zero);

        var everything = System.Text.Json.JsonSerializer.Serialize(report);
        Assert.DoesNotContain(Secret, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckHealthAsync_ExceptionDetailsOff_CarriesNoException()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time, c => c.AddCheck("db", new ThrowingCheck(new InvalidOperationException("Password=" + Secret))));

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(TestContext.Current.CancellationToken);

        Assert.Null(report.Entries["db"].Exception);
        Assert.Equal("check threw InvalidOperationException", report.Entries["db"].Description);
    }
}
