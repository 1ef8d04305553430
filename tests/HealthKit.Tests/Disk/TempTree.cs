using System.Diagnostics;

namespace HealthKit.Tests.Disk;

/// <summary>
/// Two throwaway directories on different file systems: one in the temporary folder (on the root disk) and one on the
/// tmpfs at <c>/dev/shm</c>. Both are deleted on dispose; links inside them are removed, never followed.
/// </summary>
internal sealed class TempTree : IDisposable
{
    public const string Tmpfs = "/dev/shm";

    public TempTree()
    {
        Assert.True(OperatingSystem.IsLinux(), "these tests need a Linux tmpfs at /dev/shm");
        Disk = Directory.CreateTempSubdirectory("healthkit-disk-").FullName;
        Shm = Path.Combine(Tmpfs, "healthkit-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Shm);

        try
        {
            // Without this the tests could pass by accident: both folders must be on different file systems.
            Assert.Equal(Tmpfs, MountPointOf(Shm));
            Assert.NotEqual(Tmpfs, MountPointOf(Disk));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A directory on the disk that holds the temporary folder.</summary>
    public string Disk { get; }

    /// <summary>A directory on the tmpfs.</summary>
    public string Shm { get; }

    /// <summary>Creates <paramref name="relative"/> under <see cref="Disk"/> as a link to <paramref name="target"/>.</summary>
    public string Link(string relative, string target)
    {
        var link = Path.Combine(Disk, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, target);
        return link;
    }

    /// <summary>The mount point of <paramref name="path"/> as <c>df</c> reports it.</summary>
    public static string MountPointOf(string path)
    {
        var start = new ProcessStartInfo("df", ["-P", "--", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var df = Process.Start(start)!;
        var output = df.StandardOutput.ReadToEnd();
        df.WaitForExit();
        Assert.Equal(0, df.ExitCode);

        // POSIX output: a header, then "filesystem blocks used available capacity mount point"; the mount point may hold spaces.
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        return line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[5];
    }

    public void Dispose()
    {
        Directory.Delete(Disk, recursive: true);
        Directory.Delete(Shm, recursive: true);
    }
}
