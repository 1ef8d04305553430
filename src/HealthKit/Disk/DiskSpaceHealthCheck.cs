using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Disk;

/// <summary>What a file system reports about its size.</summary>
internal readonly record struct DiskUsage(string MountPoint, long TotalBytes, long FreeBytes);

/// <summary>
/// Checks the free space of the file systems that hold the configured paths.
/// </summary>
internal sealed class DiskSpaceHealthCheck : IHealthCheck
{
    private readonly DiskSpaceCheckOptions _options;
    private readonly string[] _paths;
    private readonly string _baseDirectory;
    private readonly Func<string, DiskUsage> _read;
    private readonly Func<DiskSpaceCheckOptions> _thresholds;

    /// <param name="options">The thresholds.</param>
    /// <param name="paths">The paths as configured; they name the entries of the check's data.</param>
    /// <param name="read">Reads the file system that holds a real path; the real file system when null.</param>
    /// <param name="baseDirectory">What relative paths are relative to; the current directory when null.</param>
    /// <param name="thresholds">
    /// The options in force now, read once per run for the thresholds (a reload may replace them); <paramref name="options"/>
    /// when null. Paths and the failure status are read once, from <paramref name="options"/>.
    /// </param>
    public DiskSpaceHealthCheck(
        DiskSpaceCheckOptions options,
        IEnumerable<string> paths,
        Func<string, DiskUsage>? read = null,
        string? baseDirectory = null,
        Func<DiskSpaceCheckOptions>? thresholds = null)
    {
        _options = options;
        _thresholds = thresholds ?? (() => options);
        _paths = [.. paths];
        _read = read ?? ReadFileSystem;
        _baseDirectory = Path.GetFullPath(baseDirectory ?? Directory.GetCurrentDirectory());
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var thresholds = _thresholds();
        var status = HealthStatus.Healthy;
        var problems = new List<string>();
        var data = new Dictionary<string, object>(_paths.Length, StringComparer.Ordinal);

        foreach (var path in _paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ResolvedPath resolved;
            try
            {
                resolved = RealPath.Resolve(path, _baseDirectory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                status = _options.FailureStatus < status ? _options.FailureStatus : status;
                problems.Add($"{path}: cannot be resolved ({ex.Message})");
                data[path] = new Dictionary<string, object> { ["path"] = path, ["exists"] = false };
                continue;
            }

            if (!resolved.Exists)
            {
                status = _options.FailureStatus < status ? _options.FailureStatus : status;
                problems.Add($"{path}: path not found");
                data[path] = new Dictionary<string, object> { ["path"] = path, ["realPath"] = resolved.RealPath, ["exists"] = false };
                continue;
            }

            var usage = _read(resolved.RealPath);
            var freePercent = usage.TotalBytes > 0 ? Math.Round(usage.FreeBytes * 100.0 / usage.TotalBytes, 2) : 0;
            data[path] = new Dictionary<string, object>
            {
                ["path"] = path,
                ["realPath"] = resolved.RealPath,
                ["mountPoint"] = usage.MountPoint,
                ["totalBytes"] = usage.TotalBytes,
                ["freeBytes"] = usage.FreeBytes,
                ["freePercent"] = freePercent,
            };

            var free = string.Create(CultureInfo.InvariantCulture, $"{FormatBytes(usage.FreeBytes)} free ({freePercent:0.##}%)");
            if (Below(thresholds.Unhealthy, usage.FreeBytes, freePercent) is { } unhealthyLimit)
            {
                status = _options.FailureStatus < status ? _options.FailureStatus : status;
                problems.Add($"{path}: {free}, below the Unhealthy minimum of {unhealthyLimit}");
            }
            else if (Below(thresholds.Degraded, usage.FreeBytes, freePercent) is { } degradedLimit)
            {
                status = HealthStatus.Degraded < status ? HealthStatus.Degraded : status;
                problems.Add($"{path}: {free}, below the Degraded minimum of {degradedLimit}");
            }
            else if (_paths.Length == 1)
            {
                problems.Add($"{path}: {free}");
            }
        }

        var description = problems.Count > 0
            ? string.Join("; ", problems)
            : string.Create(CultureInfo.InvariantCulture, $"{_paths.Length} paths have enough free space");
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }

    /// <summary>The limit that <paramref name="freeBytes"/> or <paramref name="freePercent"/> is below, or null.</summary>
    private static string? Below(DiskSpaceThreshold threshold, long freeBytes, double freePercent)
    {
        if (threshold.MinimumFreeBytes is { } bytes && freeBytes < bytes)
        {
            return FormatBytes(bytes);
        }

        if (threshold.MinimumFreePercent is { } percent && freePercent < percent)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{percent:0.##}%");
        }

        return null;
    }

    internal static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    /// <summary>Reads the file system holding <paramref name="realPath"/>: the mount point that is its longest prefix.</summary>
    private static DiskUsage ReadFileSystem(string realPath)
    {
        var mountPoint = Path.GetPathRoot(realPath) ?? realPath;
        foreach (var drive in DriveInfo.GetDrives())
        {
            var name = drive.Name;
            if (name.Length > mountPoint.Length && IsUnder(realPath, name))
            {
                mountPoint = name;
            }
        }

        var info = new DriveInfo(mountPoint);
        return new DiskUsage(mountPoint, info.TotalSize, info.AvailableFreeSpace);
    }

    private static bool IsUnder(string path, string mountPoint)
    {
        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!path.StartsWith(mountPoint, comparison))
        {
            return false;
        }

        return path.Length == mountPoint.Length
            || Path.EndsInDirectorySeparator(mountPoint)
            || path[mountPoint.Length] == Path.DirectorySeparatorChar;
    }
}
