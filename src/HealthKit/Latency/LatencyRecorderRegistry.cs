using Microsoft.Extensions.Options;

namespace HealthKit.Latency;

/// <summary>The name of a registered latency check, so the registry can create its recorder up front.</summary>
internal sealed record LatencyCheckRegistration(string Name);

/// <summary>One <see cref="LatencyRecorder"/> per latency check, each with its own window.</summary>
internal sealed class LatencyRecorderRegistry
{
    private readonly Dictionary<string, LatencyRecorder> _byName;

    public LatencyRecorderRegistry(
        IEnumerable<LatencyCheckRegistration> checks,
        IOptionsMonitor<ResponseLatencyCheckOptions> options,
        TimeProvider timeProvider)
    {
        _byName = new Dictionary<string, LatencyRecorder>(StringComparer.OrdinalIgnoreCase);
        foreach (var check in checks)
        {
            _byName.TryAdd(check.Name, new LatencyRecorder(options.Get(check.Name).Window, timeProvider));
        }

        Recorders = [.. _byName.Values];
    }

    public LatencyRecorder[] Recorders { get; }

    public LatencyRecorder Get(string name) => _byName[name];
}
