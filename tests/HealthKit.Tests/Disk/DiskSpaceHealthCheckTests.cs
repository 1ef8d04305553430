using HealthKit.Disk;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Disk;

public sealed class DiskSpaceHealthCheckTests
{
    private const long GiB = 1024L * 1024 * 1024;

    internal static HealthCheckContext Context() => new()
    {
        Registration = new HealthCheckRegistration("disk", _ => null!, HealthStatus.Unhealthy, null),
    };

    [Fact]
    public async Task RealPath_ReportsItsFileSystem()
    {
        var path = Directory.CreateTempSubdirectory("healthkit-disk-").FullName;
        try
        {
            var check = new DiskSpaceHealthCheck(new DiskSpaceCheckOptions(), [path]);

            var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

            var data = Assert.IsType<Dictionary<string, object>>(result.Data[path]);
            Assert.Equal(path, data["path"]);
            var total = Assert.IsType<long>(data["totalBytes"]);
            var free = Assert.IsType<long>(data["freeBytes"]);
            var percent = Assert.IsType<double>(data["freePercent"]);
            Assert.True(total > 0);
            Assert.InRange(free, 0, total);
            Assert.InRange(percent, 0, 100);
            var mountPoint = TempTree.MountPointOf(path);
            Assert.Equal(mountPoint, data["mountPoint"]);
            Assert.Equal(new DriveInfo(mountPoint).TotalSize, total);
        }
        finally
        {
            Directory.Delete(path);
        }
    }

    [Fact]
    public async Task MissingPath_IsUnhealthy_WithClearDescription()
    {
        var missing = Path.Combine(Path.GetTempPath(), "healthkit-missing-" + Guid.NewGuid().ToString("N"));
        var check = new DiskSpaceHealthCheck(new DiskSpaceCheckOptions(), [missing]);

        var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"{missing}: path not found", result.Description);
    }

    [Theory]
    [InlineData(50 * GiB, 100 * GiB, HealthStatus.Healthy)]
    [InlineData(9 * GiB, 100 * GiB, HealthStatus.Degraded)]
    [InlineData(50L * 1024 * 1024, 100 * GiB, HealthStatus.Unhealthy)]
    [InlineData(0, 100 * GiB, HealthStatus.Unhealthy)]
    public async Task DefaultThresholds_TenPercentDegraded_HundredMebibytesUnhealthy(long free, long total, HealthStatus expected)
    {
        var check = new DiskSpaceHealthCheck(new DiskSpaceCheckOptions(), [Path.GetTempPath()], _ => new DiskUsage("/", total, free));

        var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.Status);
    }

    [Fact]
    public async Task ByteAndPercentThresholds_EitherCrossesIt()
    {
        var options = new DiskSpaceCheckOptions();
        options.Degraded.MinimumFreePercent = null;
        options.Degraded.MinimumFreeBytes = 10 * GiB;
        options.Unhealthy.MinimumFreeBytes = null;
        options.Unhealthy.MinimumFreePercent = 5;
        var usage = new DiskUsage("/", 1000 * GiB, 40 * GiB);
        var check = new DiskSpaceHealthCheck(options, [Path.GetTempPath()], _ => usage);

        var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("below the Unhealthy minimum of 5%", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralPaths_WorstWins_AndEachIsReported()
    {
        var healthy = Directory.CreateTempSubdirectory("healthkit-a-").FullName;
        var low = Directory.CreateTempSubdirectory("healthkit-b-").FullName;
        try
        {
            var check = new DiskSpaceHealthCheck(
                new DiskSpaceCheckOptions(),
                [healthy, low],
                path => path == low ? new DiskUsage("/data", 100 * GiB, 5 * GiB) : new DiskUsage("/", 100 * GiB, 50 * GiB));

            var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

            Assert.Equal(HealthStatus.Degraded, result.Status);
            Assert.Equal(2, result.Data.Count);
            Assert.Contains(low, result.Description, StringComparison.Ordinal);
            Assert.DoesNotContain(healthy, result.Description, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(healthy);
            Directory.Delete(low);
        }
    }

    [Fact]
    public async Task FailureStatus_IsUsedForUnhealthy()
    {
        var options = new DiskSpaceCheckOptions { FailureStatus = HealthStatus.Degraded };
        var check = new DiskSpaceHealthCheck(options, [Path.GetTempPath()], _ => new DiskUsage("/", 100 * GiB, 0));

        var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, result.Status);
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1536, "1.5 KiB")]
    [InlineData(100L * 1024 * 1024, "100 MiB")]
    public void FormatBytes_UsesBinaryUnits(long bytes, string expected) =>
        Assert.Equal(expected, DiskSpaceHealthCheck.FormatBytes(bytes));
}
