using HealthKit.Engine;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Self;

public sealed class SelfCheckTests
{
    private static readonly string[] VitalNames = ["uptimeSeconds", "threadPoolThreads", "threadPoolPendingWorkItems", "gcHeapBytes"];

    private static Task<TestHost> Start(FakeTimeProvider time, Action<IHealthChecksBuilder>? checks = null) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                var builder = b.Services.AddHealthKit();
                checks?.Invoke(builder);
            },
            environment: "Development");

    [Fact]
    public async Task Evaluate_OtherChecksCached_RunsSelfOnTheRequestThread_FreshEachTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var db = new CountingCheck();
        await using var host = await Start(time, c => c.AddCheck("db", db));
        var engine = host.Services.GetRequiredService<HealthEngine>();
        var self = Array.FindIndex(engine.Slots, s => s.Name == "self");
        await engine.EvaluateAsync(engine.Slots, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        time.Advance(TimeSpan.FromMilliseconds(100));
        var firstPending = engine.EvaluateAsync(engine.Slots, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.True(firstPending.IsCompletedSuccessfully);
        var first = await firstPending;
        time.Advance(TimeSpan.FromMilliseconds(100));
        var secondPending = engine.EvaluateAsync(engine.Slots, TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.True(secondPending.IsCompletedSuccessfully);
        var second = await secondPending;

        Assert.Equal(1, db.Runs);
        Assert.Equal(time.GetUtcNow() - TimeSpan.FromMilliseconds(100), first.Outcomes[self].ProducedAt);
        Assert.Equal(time.GetUtcNow(), second.Outcomes[self].ProducedAt);
        Assert.Same(second.Outcomes[self], engine.Slots[self].Last);
    }

    [Fact]
    public async Task Live_FullDetail_ReportsVitalsOfTheMoment()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time);

        time.Advance(TimeSpan.FromSeconds(90));
        var entry = (await host.GetAsync("/health/live")).Entry("self");

        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.Equal("process is running", entry.GetProperty("description").GetString());
        Assert.Equal(VitalNames, entry.GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Equal(90.0, entry.GetProperty("data").GetProperty("uptimeSeconds").GetDouble());
        Assert.True(entry.GetProperty("data").GetProperty("threadPoolThreads").GetInt32() >= 1);
    }

    [Fact]
    public async Task CheckHealthAsync_OutsideTheEngine_ReportsTheSameVitals()
    {
        var time = new FakeTimeProvider();
        await using var host = await Start(time);
        var check = host.Services.GetRequiredService<SelfCheck>();

        time.Advance(TimeSpan.FromSeconds(12.34));
        var result = await check.CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Same(host.Services.GetRequiredService<HealthEngine>().Self, check);
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("process is running", result.Description);
        Assert.Equal(VitalNames, result.Data.Keys);
        Assert.Equal(12.3, result.Data["uptimeSeconds"]);
    }
}
