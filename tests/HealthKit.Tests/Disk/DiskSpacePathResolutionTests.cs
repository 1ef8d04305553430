using HealthKit.Disk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace HealthKit.Tests.Disk;

/// <summary>
/// The disk check against real links on real file systems: whatever links a configured path runs through, it must report
/// the file system its files land on.
/// </summary>
public sealed class DiskSpacePathResolutionTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task CheckHealthAsync_SymlinkedParentIntoTmpfs_ReportsTmpfsMountAndSpace()
    {
        Directory.CreateDirectory(Path.Combine(_tree.Shm, "hk"));
        var link = _tree.Link("link", _tree.Shm);
        var path = Path.Combine(link, "hk");

        var data = await CheckAsync(path);

        Assert.Equal(path, data["path"]);
        Assert.Equal(TempTree.Tmpfs, data["mountPoint"]);
        Assert.Equal(Path.Combine(_tree.Shm, "hk"), data["realPath"]);
        var tmpfs = new DriveInfo(TempTree.Tmpfs);
        var disk = new DriveInfo(TempTree.MountPointOf(_tree.Disk));
        Assert.NotEqual(disk.TotalSize, tmpfs.TotalSize);
        Assert.Equal(tmpfs.TotalSize, data["totalBytes"]);

        // Other processes (PostgreSQL's shared memory among them) use the tmpfs too, so its free space moves a little.
        var free = Assert.IsType<long>(data["freeBytes"]);
        Assert.InRange(free, tmpfs.AvailableFreeSpace - (tmpfs.TotalSize / 100), tmpfs.AvailableFreeSpace + (tmpfs.TotalSize / 100));
    }

    [Fact]
    public async Task CheckHealthAsync_ParentIsALinkToALink_FollowsTheWholeChain()
    {
        Directory.CreateDirectory(Path.Combine(_tree.Shm, "hk"));
        var last = _tree.Link("c", _tree.Shm);
        var middle = _tree.Link("b", last);
        var first = _tree.Link(Path.Combine("nested", "a"), middle);

        var data = await CheckAsync(Path.Combine(first, "hk"));

        Assert.Equal(TempTree.Tmpfs, data["mountPoint"]);
        Assert.Equal(Path.Combine(_tree.Shm, "hk"), data["realPath"]);
    }

    [Fact]
    public async Task CheckHealthAsync_RelativeLinkTarget_IsRelativeToTheLinksDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_tree.Shm, "hk"));
        var linkDirectory = Path.Combine(_tree.Disk, "sub");
        Directory.CreateDirectory(linkDirectory);
        var link = _tree.Link(Path.Combine("sub", "link"), Path.GetRelativePath(linkDirectory, _tree.Shm));
        Assert.StartsWith("..", new FileInfo(link).LinkTarget, StringComparison.Ordinal);

        var data = await CheckAsync(Path.Combine(link, "hk"));

        Assert.Equal(TempTree.Tmpfs, data["mountPoint"]);
        Assert.Equal(Path.Combine(_tree.Shm, "hk"), data["realPath"]);
    }

    [Fact]
    public async Task CheckHealthAsync_DotDotAfterALink_LeavesTheLinksTarget()
    {
        // "link/.." is the tmpfs folder, not the folder that holds the link: that one has a "data" folder too, on the disk.
        Directory.CreateDirectory(Path.Combine(_tree.Shm, "inner"));
        Directory.CreateDirectory(Path.Combine(_tree.Shm, "data"));
        Directory.CreateDirectory(Path.Combine(_tree.Disk, "data"));
        var link = _tree.Link("link", Path.Combine(_tree.Shm, "inner"));

        var data = await CheckAsync(link + "/../data");

        Assert.Equal(TempTree.Tmpfs, data["mountPoint"]);
        Assert.Equal(Path.Combine(_tree.Shm, "data"), data["realPath"]);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("//")]
    [InlineData("/./")]
    public async Task CheckHealthAsync_TrailingSlashOnALink_ResolvesTheLink(string suffix)
    {
        var link = _tree.Link("link", _tree.Shm);
        var path = link + suffix;

        var data = await CheckAsync(path);

        Assert.Equal(path, data["path"]);
        Assert.Equal(TempTree.Tmpfs, data["mountPoint"]);
        Assert.Equal(_tree.Shm, data["realPath"]);
    }

    [Fact]
    public async Task CheckHealthAsync_PathNotCreatedYet_ResolvesThroughItsNearestAncestor_AndIsNotFound()
    {
        var link = _tree.Link("link", _tree.Shm);
        var path = Path.Combine(link, "not-yet", "deeper");
        var check = new DiskSpaceHealthCheck(new DiskSpaceCheckOptions(), [path]);

        var result = await check.CheckHealthAsync(DiskSpaceHealthCheckTests.Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal($"{path}: path not found", result.Description);
        var data = Assert.IsType<Dictionary<string, object>>(result.Data[path]);
        Assert.False(Assert.IsType<bool>(data["exists"]));
        Assert.Equal(Path.Combine(_tree.Shm, "not-yet", "deeper"), data["realPath"]);
    }

    [Fact]
    public async Task CheckHealthAsync_LinkLoop_IsFailureStatus_NamingTheLoop()
    {
        var a = Path.Combine(_tree.Disk, "a");
        _tree.Link("b", a);
        _tree.Link("a", Path.Combine(_tree.Disk, "b"));
        var path = Path.Combine(a, "hk");
        var check = new DiskSpaceHealthCheck(new DiskSpaceCheckOptions { FailureStatus = HealthStatus.Degraded }, [path]);

        var result = await check.CheckHealthAsync(DiskSpaceHealthCheckTests.Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal($"{path}: cannot be resolved (too many levels of symbolic links (more than 40))", result.Description);
        var data = Assert.IsType<Dictionary<string, object>>(result.Data[path]);
        Assert.False(Assert.IsType<bool>(data["exists"]));
    }

    [Fact]
    public async Task AddDiskSpace_RelativePath_IsResolvedAgainstTheContentRoot()
    {
        var contentRoot = Path.Combine(_tree.Disk, "app");
        Directory.CreateDirectory(contentRoot);
        Directory.CreateSymbolicLink(Path.Combine(contentRoot, "uploads"), _tree.Shm);
        Assert.False(Path.Exists(Path.Combine(Directory.GetCurrentDirectory(), "uploads")));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = contentRoot,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Checks:disk:Paths:0"] = "uploads",
            ["HealthKit:Checks:disk:Degraded:MinimumFreePercent"] = "0",
            ["HealthKit:Checks:disk:Unhealthy:MinimumFreeBytes"] = "0",
        });
        builder.Services.AddHealthChecks().AddDiskSpace();
        using var host = builder.Build();

        var report = await host.Services.GetRequiredService<HealthCheckService>()
            .CheckHealthAsync(r => r.Name == "disk", TestContext.Current.CancellationToken);

        var entry = report.Entries["disk"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        var data = Assert.IsType<Dictionary<string, object>>(entry.Data["uploads"]);
        Assert.Equal("uploads", data["path"]);
        Assert.Equal(TempTree.Tmpfs, data["mountPoint"]);
        Assert.Equal(_tree.Shm, data["realPath"]);
    }

    private static async Task<Dictionary<string, object>> CheckAsync(string path)
    {
        var check = new DiskSpaceHealthCheck(new DiskSpaceCheckOptions(), [path]);

        var result = await check.CheckHealthAsync(DiskSpaceHealthCheckTests.Context(), TestContext.Current.CancellationToken);

        Assert.True(result.Data.ContainsKey(path), result.Description);
        Assert.DoesNotContain("not found", result.Description, StringComparison.Ordinal);
        return Assert.IsType<Dictionary<string, object>>(result.Data[path]);
    }
}
