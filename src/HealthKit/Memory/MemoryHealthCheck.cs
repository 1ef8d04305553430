using System.Globalization;
using HealthKit.Disk;
using HealthKit.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HealthKit.Memory;

/// <summary>What the garbage collector says about memory.</summary>
/// <param name="TotalAvailableBytes">
/// <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: the heap hard limit when there is one, else the physical memory
/// the runtime may use (the control group's limit, or the machine's memory).
/// </param>
/// <param name="HeapHardLimitConfigured">Whether <c>GCHeapHardLimit</c> or <c>GCHeapHardLimitPercent</c> is set.</param>
/// <param name="HeapUsedBytes">What the GC heap holds against the hard limit.</param>
/// <param name="TotalPause">The GC's pauses since the process started.</param>
/// <param name="PauseTimePercentage">The GC's own pause-time percentage, for the first run.</param>
internal readonly record struct GcMemory(long TotalAvailableBytes, bool HeapHardLimitConfigured, long HeapUsedBytes, TimeSpan TotalPause, double PauseTimePercentage);

/// <summary>One limit and the memory that counts against it.</summary>
internal readonly record struct MemoryReading(string Source, long LimitBytes, long UsedBytes)
{
    public double Percent => LimitBytes > 0 ? UsedBytes * 100.0 / LimitBytes : 0;
}

/// <summary>
/// Reports the process's memory against the limit that will stop it first: the container's control group limit, the
/// garbage collector's heap hard limit, or the machine's memory.
/// </summary>
internal sealed class MemoryHealthCheck : IHealthCheck
{
    internal const string CgroupV2 = "cgroup v2";
    internal const string CgroupV1 = "cgroup v1";
    internal const string HeapHardLimit = "GCHeapHardLimit";
    internal const string Machine = "machine";

    private readonly Func<MemoryCheckOptions> _current;
    private readonly string _name;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<CgroupMemory?> _readCgroup;
    private readonly Func<GcMemory> _readGc;
    private readonly Func<long> _workingSet;
    private readonly Lock _lock = new();
    private (long Timestamp, TimeSpan Pause)? _previous;
    private string? _loggedSource;
    private bool _cgroupFailureLogged;

    public MemoryHealthCheck(
        MemoryCheckOptions options,
        string name,
        TimeProvider time,
        ILogger? logger = null,
        Func<CgroupMemory?>? readCgroup = null,
        Func<GcMemory>? readGc = null,
        Func<long>? workingSet = null)
        : this(() => options, name, time, logger, readCgroup, readGc, workingSet)
    {
    }

    // The options in force now are read once per run: a reload may replace them.
    public MemoryHealthCheck(
        Func<MemoryCheckOptions> current,
        string name,
        TimeProvider time,
        ILogger? logger = null,
        Func<CgroupMemory?>? readCgroup = null,
        Func<GcMemory>? readGc = null,
        Func<long>? workingSet = null)
    {
        _current = current;
        _name = name;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _readCgroup = readCgroup ?? (() => OperatingSystem.IsLinux() ? CgroupMemoryReader.Read("/") : null);
        _readGc = readGc ?? ReadGc;
        _workingSet = workingSet ?? (() => Environment.WorkingSet);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var options = _current();
        var gc = _readGc();
        var cgroup = ReadCgroup();
        var reading = Tightest(gc, cgroup, _workingSet);
        var workingSet = _workingSet();
        var pausePercent = RecentPausePercent(gc);
        LogSource(reading);

        var percent = Math.Round(reading.Percent, 2);
        var data = new Dictionary<string, object>
        {
            ["limitBytes"] = reading.LimitBytes,
            ["usedBytes"] = reading.UsedBytes,
            ["usedPercent"] = percent,
            ["limitSource"] = reading.Source,
            ["gcPauseTimePercent"] = Math.Round(pausePercent, 2),
            ["workingSetBytes"] = workingSet,
            ["gcHeapBytes"] = gc.HeapUsedBytes,
        };

        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{DiskSpaceHealthCheck.FormatBytes(reading.UsedBytes)} of {DiskSpaceHealthCheck.FormatBytes(reading.LimitBytes)} used ({percent:0.##}%, {reading.Source})");
        if (Reached(options.Unhealthy, reading, percent) is { } unhealthy)
        {
            return Task.FromResult(new HealthCheckResult(options.FailureStatus, $"{summary}, at or above the Unhealthy ceiling of {unhealthy}", data: data));
        }

        if (Reached(options.Degraded, reading, percent) is { } degraded)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"{summary}, at or above the Degraded ceiling of {degraded}", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy(summary, data));
    }

    /// <summary>
    /// The reading nearest its limit. A container's limit counts every byte of the process (native memory, stacks,
    /// mapped files), a heap hard limit only the GC heap, and either can be the one reached first.
    /// </summary>
    internal static MemoryReading Tightest(GcMemory gc, CgroupMemory? cgroup, Func<long> workingSet)
    {
        MemoryReading? best = null;
        if (cgroup is not null)
        {
            best = new MemoryReading(cgroup.Version == 2 ? CgroupV2 : CgroupV1, cgroup.LimitBytes, cgroup.UsedBytes);
        }

        // Inside a container the runtime sets a heap hard limit of its own (75% of the container's limit unless
        // configured), which shows as an available figure below the container's limit.
        var heapLimited = gc.HeapHardLimitConfigured || (cgroup is not null && gc.TotalAvailableBytes < cgroup.LimitBytes);
        if (heapLimited && gc.TotalAvailableBytes > 0)
        {
            var heap = new MemoryReading(HeapHardLimit, gc.TotalAvailableBytes, gc.HeapUsedBytes);
            if (best is null || heap.Percent > best.Value.Percent)
            {
                best = heap;
            }
        }

        return best ?? new MemoryReading(Machine, gc.TotalAvailableBytes, workingSet());
    }

    private static string? Reached(MemoryThreshold threshold, MemoryReading reading, double percent)
    {
        if (threshold.MaximumUsedBytes is { } bytes && reading.UsedBytes >= bytes)
        {
            return DiskSpaceHealthCheck.FormatBytes(bytes);
        }

        if (threshold.MaximumUsedPercent is { } maximum && percent >= maximum)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{maximum:0.##}%");
        }

        return null;
    }

    private CgroupMemory? ReadCgroup()
    {
        try
        {
            return _readCgroup();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            // A hierarchy that cannot be read leaves the GC's own figures, which honour the container's limit too.
            if (!_cgroupFailureLogged)
            {
                _cgroupFailureLogged = true;
                Log.MemoryCgroupUnreadable(_logger, ex, _name);
            }

            return null;
        }
    }

    /// <summary>The share of time the GC paused the process since the previous run; the GC's own figure at the first.</summary>
    private double RecentPausePercent(GcMemory gc)
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            var previous = _previous;
            _previous = (now, gc.TotalPause);
            if (previous is not { } p)
            {
                return gc.PauseTimePercentage;
            }

            var elapsed = _time.GetElapsedTime(p.Timestamp, now);
            return elapsed > TimeSpan.Zero ? Math.Clamp((gc.TotalPause - p.Pause) / elapsed * 100, 0, 100) : 0;
        }
    }

    private void LogSource(MemoryReading reading)
    {
        if (_loggedSource != reading.Source)
        {
            _loggedSource = reading.Source;
            Log.MemoryLimitFound(_logger, _name, reading.Source, reading.LimitBytes);
        }
    }

    private static GcMemory ReadGc()
    {
        var info = GC.GetGCMemoryInfo();
        var variables = GC.GetConfigurationVariables();
        var configured = IsSet(variables, "GCHeapHardLimit") || IsSet(variables, "GCHeapHardLimitPercent");

        // The committed figure dates from the last collection; what the heap holds now can be more.
        var heapUsed = Math.Max(info.TotalCommittedBytes, GC.GetTotalMemory(forceFullCollection: false));
        return new GcMemory(info.TotalAvailableMemoryBytes, configured, heapUsed, GC.GetTotalPauseDuration(), info.PauseTimePercentage);
    }

    private static bool IsSet(IReadOnlyDictionary<string, object> variables, string name) =>
        variables.TryGetValue(name, out var value) && value is not null
        && Convert.ToUInt64(value, CultureInfo.InvariantCulture) != 0;
}
