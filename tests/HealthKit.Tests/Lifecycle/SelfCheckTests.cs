using HealthKit.Lifecycle;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Lifecycle;

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

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("process is running", result.Description);
        Assert.Equal(VitalNames, result.Data.Keys);
        Assert.Equal(12.3, result.Data["uptimeSeconds"]);
    }
}
