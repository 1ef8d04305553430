using System.Globalization;

namespace HealthKit.Memory;

/// <summary>The memory limit of the process's control group and what that group uses.</summary>
/// <param name="Version">1 or 2.</param>
/// <param name="LimitBytes">The limit at which the kernel reclaims and then kills.</param>
/// <param name="UsedBytes">The group's usage less its inactive file cache, which the kernel reclaims before it kills.</param>
/// <param name="Directory">The control group directory that holds the limit.</param>
internal sealed record CgroupMemory(int Version, long LimitBytes, long UsedBytes, string Directory);

/// <summary>
/// Reads the memory limit of the process's control group, cgroup v2 or v1, the way container runtimes set it.
/// </summary>
/// <remarks>
/// The group comes from <c>/proc/self/cgroup</c>. Its limit is the lowest one on the way from that group up to the root
/// of the mounted hierarchy, since a parent's limit binds its children too; inside a container whose own group is
/// mounted as the root, the path named in <c>/proc/self/cgroup</c> may not exist, and walking up finds the container's
/// limit at the root. Usage is read from the group that holds the limit, as <c>kubectl top</c> and
/// <c>docker stats</c> do: usage less inactive file cache.
/// </remarks>
internal static class CgroupMemoryReader
{
    /// <summary>cgroup v1 writes "no limit" as the largest page-aligned 64-bit value, which depends on the page size.</summary>
    private const long V1Unlimited = 0x7FFF_FFFF_FFFF_0000;

    /// <summary>
    /// Reads the limit below <paramref name="root"/> (<c>/</c> on a real system, a copy of the files in tests), or
    /// returns <see langword="null"/> when the process has no control group memory limit.
    /// </summary>
    /// <exception cref="IOException">A limit file exists but cannot be read.</exception>
    /// <exception cref="FormatException">A limit or usage file holds something other than a number.</exception>
    public static CgroupMemory? Read(string root)
    {
        var membership = Path.Combine(root, "proc", "self", "cgroup");
        if (!File.Exists(membership))
        {
            return null;
        }

        string? v2Path = null;
        string? v1Path = null;
        foreach (var line in File.ReadLines(membership))
        {
            // hierarchy-ID:controller-list:cgroup-path; the path may itself contain ':'.
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            if (parts[0] == "0" && parts[1].Length == 0)
            {
                v2Path = parts[2];
            }
            else if (parts[1].Split(',').Contains("memory", StringComparer.Ordinal))
            {
                v1Path = parts[2];
            }
        }

        var mount = Path.Combine(root, "sys", "fs", "cgroup");
        if (v2Path is not null && File.Exists(Path.Combine(mount, "cgroup.controllers"))
            && Lowest(mount, v2Path, "memory.max", long.MaxValue) is { } v2)
        {
            var used = ReadNumber(Path.Combine(v2.Directory, "memory.current"));
            return new CgroupMemory(2, v2.Limit, Math.Max(0, used - InactiveFile(v2.Directory, "inactive_file")), v2.Directory);
        }

        if (v1Path is not null)
        {
            var v1Mount = Path.Combine(mount, "memory");
            if (Lowest(v1Mount, v1Path, "memory.limit_in_bytes", V1Unlimited) is { } v1)
            {
                var used = ReadNumber(Path.Combine(v1.Directory, "memory.usage_in_bytes"));
                return new CgroupMemory(1, v1.Limit, Math.Max(0, used - InactiveFile(v1.Directory, "total_inactive_file")), v1.Directory);
            }
        }

        return null;
    }

    /// <summary>The lowest limit from the group's directory up to the mount point; values at or above <paramref name="unlimited"/> are none.</summary>
    private static (long Limit, string Directory)? Lowest(string mount, string groupPath, string file, long unlimited)
    {
        var top = Path.GetFullPath(mount);
        var directory = Path.GetFullPath(Path.Join(top, groupPath));

        // A path that climbs out of the hierarchy (it cannot on a real system) is read as the hierarchy's root.
        if (!IsWithin(directory, top))
        {
            directory = top;
        }

        (long Limit, string Directory)? lowest = null;
        while (true)
        {
            var path = Path.Combine(directory, file);
            if (File.Exists(path))
            {
                var text = File.ReadAllText(path).Trim();
                if (text != "max" && Parse(text, path) is var limit && limit < unlimited && (lowest is null || limit < lowest.Value.Limit))
                {
                    lowest = (limit, directory);
                }
            }

            if (directory.Length <= top.Length)
            {
                return lowest;
            }

            directory = Path.GetDirectoryName(directory) ?? top;
        }
    }

    private static bool IsWithin(string path, string top) =>
        path.Length >= top.Length
        && path.StartsWith(top, StringComparison.Ordinal)
        && (path.Length == top.Length || path[top.Length] == Path.DirectorySeparatorChar);

    private static long InactiveFile(string directory, string key)
    {
        var stat = Path.Combine(directory, "memory.stat");
        if (!File.Exists(stat))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(stat))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line.AsSpan(0, space).SequenceEqual(key))
            {
                return Parse(line[(space + 1)..].Trim(), stat);
            }
        }

        return 0;
    }

    private static long ReadNumber(string path) => File.Exists(path) ? Parse(File.ReadAllText(path).Trim(), path) : 0;

    private static long Parse(string text, string path) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"{Path.GetFileName(path)} holds '{text}', not a number of bytes");
}
