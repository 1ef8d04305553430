using HealthKit.Memory;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Memory;

public sealed class MemoryHealthCheckTests
{
    private const long MiB = 1024 * 1024;

    private static readonly HealthCheckContext Context = new()
    {
        Registration = new HealthCheckRegistration("memory", _ => null!, HealthStatus.Unhealthy, null),
    };

    public static TheoryData<long, HealthStatus, string> HeapLimitCases => new()
    {
        { 50, HealthStatus.Healthy, "50 MiB of 100 MiB used (50%, GCHeapHardLimit)" },
        { 85, HealthStatus.Degraded, "85 MiB of 100 MiB used (85%, GCHeapHardLimit), at or above the Degraded ceiling of 85%" },
        { 94, HealthStatus.Degraded, "94 MiB of 100 MiB used (94%, GCHeapHardLimit), at or above the Degraded ceiling of 85%" },
        { 95, HealthStatus.Unhealthy, "95 MiB of 100 MiB used (95%, GCHeapHardLimit), at or above the Unhealthy ceiling of 95%" },
    };

    [Theory]
    [MemberData(nameof(HeapLimitCases))]
    public async Task CheckHealth_HeapHardLimit_JudgesPercentOfTheLimit(long usedMiB, HealthStatus expected, string description)
    {
        var check = Check(new MemoryCheckOptions(), gc: Gc(available: 100 * MiB, configured: true, heapUsed: usedMiB * MiB));

        var result = await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.Status);
        Assert.Equal(description, result.Description);
        Assert.Equal(100 * MiB, result.Data["limitBytes"]);
        Assert.Equal(usedMiB * MiB, result.Data["usedBytes"]);
        Assert.Equal((double)usedMiB, result.Data["usedPercent"]);
        Assert.Equal("GCHeapHardLimit", result.Data["limitSource"]);
        Assert.Equal(123L * MiB, result.Data["workingSetBytes"]);
    }

    [Fact]
    public async Task CheckHealth_ByteCeilings_JudgeUsedBytes()
    {
        var options = new MemoryCheckOptions();
        options.Degraded.MaximumUsedBytes = 300 * MiB;
        options.Unhealthy.MaximumUsedBytes = 400 * MiB;
        options.Degraded.MaximumUsedPercent = null;
        options.Unhealthy.MaximumUsedPercent = null;

        var degraded = await Check(options, workingSet: 300 * MiB).CheckHealthAsync(Context, TestContext.Current.CancellationToken);
        var unhealthy = await Check(options, workingSet: 450 * MiB).CheckHealthAsync(Context, TestContext.Current.CancellationToken);
        var healthy = await Check(options, workingSet: 299 * MiB).CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.EndsWith("at or above the Degraded ceiling of 300 MiB", degraded.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.EndsWith("at or above the Unhealthy ceiling of 400 MiB", unhealthy.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal("machine", healthy.Data["limitSource"]);
    }

    [Fact]
    public async Task CheckHealth_UnhealthyCeiling_ReportsTheFailureStatus()
    {
        var options = new MemoryCheckOptions { FailureStatus = HealthStatus.Degraded };

        var result = await Check(options, gc: Gc(available: 100 * MiB, configured: true, heapUsed: 99 * MiB)).CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Contains("Unhealthy ceiling", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Tightest_NoLimitAnywhere_IsTheMachineAgainstTheWorkingSet()
    {
        var reading = MemoryHealthCheck.Tightest(Gc(available: 16384 * MiB, configured: false, heapUsed: 50 * MiB), cgroup: null, () => 200 * MiB);

        Assert.Equal(new MemoryReading("machine", 16384 * MiB, 200 * MiB), reading);
    }

    [Fact]
    public void Tightest_ContainerLimitNearerThanTheHeapLimit_IsTheContainer()
    {
        // Native memory fills the container while the GC heap is small: only the container's figure sees it.
        var cgroup = new CgroupMemory(2, 512 * MiB, 480 * MiB, "/sys/fs/cgroup");
        var gc = Gc(available: 384 * MiB, configured: false, heapUsed: 100 * MiB);

        var reading = MemoryHealthCheck.Tightest(gc, cgroup, () => 0);

        Assert.Equal(new MemoryReading("cgroup v2", 512 * MiB, 480 * MiB), reading);
    }

    [Fact]
    public void Tightest_ImplicitHeapLimitInAContainerNearerThanTheContainer_IsTheHeapLimit()
    {
        // The runtime's own heap limit in a container is below the container's limit, and the GC heap fills it first.
        var cgroup = new CgroupMemory(1, 512 * MiB, 380 * MiB, "/sys/fs/cgroup/memory");
        var gc = Gc(available: 384 * MiB, configured: false, heapUsed: 370 * MiB);

        var reading = MemoryHealthCheck.Tightest(gc, cgroup, () => 0);

        Assert.Equal(new MemoryReading("GCHeapHardLimit", 384 * MiB, 370 * MiB), reading);
    }

    [Fact]
    public void Tightest_CgroupV1WithoutHeapLimit_IsCgroupV1()
    {
        var cgroup = new CgroupMemory(1, 256 * MiB, 64 * MiB, "/sys/fs/cgroup/memory");

        var reading = MemoryHealthCheck.Tightest(Gc(available: 256 * MiB, configured: false, heapUsed: 200 * MiB), cgroup, () => 0);

        Assert.Equal(new MemoryReading("cgroup v1", 256 * MiB, 64 * MiB), reading);
    }

    [Fact]
    public async Task CheckHealth_GcPausePercent_IsMeasuredSinceThePreviousRun()
    {
        var time = new FakeTimeProvider();
        var pause = TimeSpan.Zero;
        var check = new MemoryHealthCheck(
            new MemoryCheckOptions(),
            "memory",
            time,
            readCgroup: () => null,
            readGc: () => new GcMemory(1024 * MiB, false, 10 * MiB, pause, PauseTimePercentage: 1.5),
            workingSet: () => 100 * MiB);

        var first = await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(10));
        pause = TimeSpan.FromSeconds(2);
        var second = await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(1.5, first.Data["gcPauseTimePercent"]);
        Assert.Equal(20.0, second.Data["gcPauseTimePercent"]);
    }

    [Fact]
    public async Task CheckHealth_UnreadableCgroup_FallsBackToTheGc_AndWarnsOnce()
    {
        var logs = new TestLogSink();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var check = new MemoryHealthCheck(
            new MemoryCheckOptions(),
            "memory",
            new FakeTimeProvider(),
            factory.CreateLogger("memory"),
            readCgroup: () => throw new FormatException("memory.max holds 'lots', not a number of bytes"),
            readGc: () => Gc(available: 100 * MiB, configured: true, heapUsed: 10 * MiB),
            workingSet: () => 50 * MiB);

        var first = await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);
        await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, first.Status);
        Assert.Equal("GCHeapHardLimit", first.Data["limitSource"]);
        Assert.Single(logs.ForEvent(61, "HealthKitMemoryCgroupUnreadable"));
        var found = Assert.Single(logs.ForEvent(60, "HealthKitMemoryLimitFound"));
        Assert.Equal("Memory check 'memory' judges memory against 104857600 bytes (GCHeapHardLimit)", found.Message);
    }

    [Fact]
    public async Task AddMemory_ReadsThisProcess()
    {
        await using var host = await TestHost.StartAsync(b => b.Services.AddHealthKit().AddMemory(), environment: "Development");

        var entry = (await host.GetAsync("/health/ready")).Entry("memory");

        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        var data = entry.GetProperty("data");
        Assert.True(data.GetProperty("limitBytes").GetInt64() > 0);
        Assert.InRange(data.GetProperty("usedBytes").GetInt64(), 1, data.GetProperty("limitBytes").GetInt64());
        Assert.True(data.GetProperty("workingSetBytes").GetInt64() > 0);
        Assert.Contains(data.GetProperty("limitSource").GetString(), new[] { "cgroup v2", "cgroup v1", "GCHeapHardLimit", "machine" });
    }

    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "HealthKit:Checks:memory:Degraded:MaximumUsedPercent", "0", "HealthKit:Checks:memory:Degraded:MaximumUsedPercent must be greater than 0 and at most 100 (was 0)." },
        { "HealthKit:Checks:memory:Unhealthy:MaximumUsedPercent", "101", "HealthKit:Checks:memory:Unhealthy:MaximumUsedPercent must be greater than 0 and at most 100 (was 101)." },
        { "HealthKit:Checks:memory:Unhealthy:MaximumUsedPercent", "80", "HealthKit:Checks:memory:Degraded:MaximumUsedPercent (85) must not be higher than HealthKit:Checks:memory:Unhealthy:MaximumUsedPercent (80)" },
        { "HealthKit:Checks:memory:Degraded:MaximumUsedBytes", "-1", "HealthKit:Checks:memory:Degraded:MaximumUsedBytes must be greater than zero (was -1)." },
        { "HealthKit:Checks:memory:Degraded:MaximumUsedBytes", "2048", "HealthKit:Checks:memory:Degraded:MaximumUsedBytes (2048) must not be higher than HealthKit:Checks:memory:Unhealthy:MaximumUsedBytes (1024)" },
        { "HealthKit:Checks:memory:Degraded:MaximumUsedPercnt", "50", "did you mean 'MaximumUsedPercent'" },
        { "HealthKit:Checks:memory:Degraded:MaximumUsedBytes", "1GB", "HealthKit:Checks:memory:Degraded:MaximumUsedBytes ('1GB') is not valid" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task InvalidSetting_StopsStartup_NamingTheKey(string key, string value, string named)
    {
        var configuration = new Dictionary<string, string?> { [key] = value };
        if (key.EndsWith("MaximumUsedBytes", StringComparison.Ordinal) && value == "2048")
        {
            configuration["HealthKit:Checks:memory:Unhealthy:MaximumUsedBytes"] = "1024";
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(b => b.Services.AddHealthKit().AddMemory(), configuration: configuration));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static GcMemory Gc(long available, bool configured, long heapUsed) =>
        new(available, configured, heapUsed, TimeSpan.Zero, 0);

    private static MemoryHealthCheck Check(MemoryCheckOptions options, GcMemory? gc = null, long workingSet = 123 * MiB) =>
        new(options, "memory", new FakeTimeProvider(), readCgroup: () => null, readGc: () => gc ?? Gc(available: 1024 * MiB, configured: false, heapUsed: 10 * MiB), workingSet: () => workingSet);
}
