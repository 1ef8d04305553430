using HealthKit.Memory;

namespace HealthKit.Tests.Memory;

/// <summary>
/// The control group reader on copies of the files a container sees, laid out under a throwaway root as they are
/// under <c>/</c>: <c>proc/self/cgroup</c> and the <c>sys/fs/cgroup</c> hierarchy. The file contents follow what
/// Linux writes (a v1 <c>memory.stat</c> here is trimmed from a real one).
/// </summary>
public sealed class CgroupMemoryReaderTests : IDisposable
{
    private const long MiB = 1024 * 1024;

    /// <summary>What cgroup v1 writes for "no limit" with 4 KiB pages.</summary>
    private const string V1Unlimited = "9223372036854771712";

    private readonly string _root = Directory.CreateTempSubdirectory("healthkit-cgroup-").FullName;

    [Fact]
    public void Read_V2ContainerWithLimit_ReportsLimitAndUsageLessInactiveFile()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        Write("sys/fs/cgroup/memory.max", $"{512 * MiB}\n");
        Write("sys/fs/cgroup/memory.current", $"{300 * MiB}\n");
        Write("sys/fs/cgroup/memory.stat", $"anon {200 * MiB}\nfile {100 * MiB}\nkernel 1048576\nactive_file {60 * MiB}\ninactive_file {40 * MiB}\n");

        var memory = CgroupMemoryReader.Read(_root);

        Assert.NotNull(memory);
        Assert.Equal(2, memory.Version);
        Assert.Equal(512 * MiB, memory.LimitBytes);
        Assert.Equal(260 * MiB, memory.UsedBytes);
    }

    [Fact]
    public void Read_V2NestedGroups_TakesTheLowestLimitOnTheWayUp_AndItsUsage()
    {
        Write("proc/self/cgroup", "0::/kubepods.slice/pod1/container1\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/memory.max", "max\n");
        Write("sys/fs/cgroup/kubepods.slice/memory.max", $"{8192 * MiB}\n");
        Write("sys/fs/cgroup/kubepods.slice/pod1/memory.max", $"{256 * MiB}\n");
        Write("sys/fs/cgroup/kubepods.slice/pod1/memory.current", $"{200 * MiB}\n");
        Write("sys/fs/cgroup/kubepods.slice/pod1/container1/memory.max", "max\n");
        Write("sys/fs/cgroup/kubepods.slice/pod1/container1/memory.current", $"{150 * MiB}\n");

        var memory = CgroupMemoryReader.Read(_root);

        Assert.NotNull(memory);
        Assert.Equal(256 * MiB, memory.LimitBytes);
        Assert.Equal(200 * MiB, memory.UsedBytes);
        Assert.EndsWith(Path.Combine("kubepods.slice", "pod1"), memory.Directory, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_V2WithoutLimit_IsNull()
    {
        Write("proc/self/cgroup", "0::/user.slice\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/user.slice/memory.max", "max\n");
        Write("sys/fs/cgroup/user.slice/memory.current", "123456\n");

        Assert.Null(CgroupMemoryReader.Read(_root));
    }

    [Fact]
    public void Read_V1WithLimit_ReportsLimitAndUsageLessTotalInactiveFile()
    {
        // Docker on cgroup v1 without a cgroup namespace: the host's path is named, the container's group is the mount.
        Write("proc/self/cgroup", "12:pids:/docker/abc\n11:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n0::/system.slice/containerd.service\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", $"{1024 * MiB}\n");
        Write("sys/fs/cgroup/memory/memory.usage_in_bytes", $"{700 * MiB}\n");
        Write("sys/fs/cgroup/memory/memory.stat", $"cache 9269248\nrss 15400960\ninactive_file 135168\nactive_file 65536\nhierarchical_memory_limit {1024 * MiB}\ntotal_cache 3035308032\ntotal_rss 962375680\ntotal_inactive_file {100 * MiB}\ntotal_active_file 1024\n");

        var memory = CgroupMemoryReader.Read(_root);

        Assert.NotNull(memory);
        Assert.Equal(1, memory.Version);
        Assert.Equal(1024 * MiB, memory.LimitBytes);
        Assert.Equal(600 * MiB, memory.UsedBytes);
    }

    [Fact]
    public void Read_V1Unlimited_IsNull()
    {
        // As on a host where the memory controller is mounted but nothing limits the process's group.
        Write("proc/self/cgroup", "4:memory:/app.slice/web\n1:cpu:/\n0::/\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", V1Unlimited + "\n");
        Write("sys/fs/cgroup/memory/app.slice/memory.limit_in_bytes", V1Unlimited + "\n");
        Write("sys/fs/cgroup/memory/app.slice/web/memory.limit_in_bytes", V1Unlimited + "\n");
        Write("sys/fs/cgroup/memory/app.slice/web/memory.usage_in_bytes", "3980394496\n");

        Assert.Null(CgroupMemoryReader.Read(_root));
    }

    [Fact]
    public void Read_V2MembershipButOnlyV1Mounted_ReadsV1()
    {
        // A hybrid host: the unified line is present, but the memory controller lives in the v1 hierarchy.
        Write("proc/self/cgroup", "4:memory:/app\n0::/\n");
        Write("sys/fs/cgroup/memory/app/memory.limit_in_bytes", $"{64 * MiB}\n");
        Write("sys/fs/cgroup/memory/app/memory.usage_in_bytes", $"{16 * MiB}\n");

        var memory = CgroupMemoryReader.Read(_root);

        Assert.NotNull(memory);
        Assert.Equal(1, memory.Version);
        Assert.Equal(64 * MiB, memory.LimitBytes);
        Assert.Equal(16 * MiB, memory.UsedBytes);
    }

    [Fact]
    public void Read_NoCgroupFiles_IsNull() => Assert.Null(CgroupMemoryReader.Read(_root));

    [Fact]
    public void Read_PathClimbingOutOfTheHierarchy_StaysInside()
    {
        Write("proc/self/cgroup", "0::/../../..\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/memory.max", $"{32 * MiB}\n");
        Write("memory.max", "1\n");

        var memory = CgroupMemoryReader.Read(_root);

        Assert.NotNull(memory);
        Assert.Equal(32 * MiB, memory.LimitBytes);
    }

    [Fact]
    public void Read_LimitThatIsNotANumber_ThrowsFormatExceptionNamingTheFile()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("sys/fs/cgroup/cgroup.controllers", "memory\n");
        Write("sys/fs/cgroup/memory.max", "lots\n");

        var ex = Assert.Throws<FormatException>(() => CgroupMemoryReader.Read(_root));
        Assert.Contains("memory.max", ex.Message, StringComparison.Ordinal);
    }

    private void Write(string relative, string content)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
