using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthKit.Latency;

/// <summary>A check that reads a request window: its name, and how to find its window's length once options are bound.</summary>
internal sealed record LatencyCheckRegistration(string Name, Func<IServiceProvider, TimeSpan> Window);

/// <summary>
/// The request windows of the latency and error-rate checks. Checks with the same window share one recorder, so the
/// middleware records each request once per distinct window, not once per check.
/// </summary>
internal sealed class LatencyRecorderRegistry
{
    private readonly Dictionary<string, LatencyRecorder> _byName;

    public LatencyRecorderRegistry(IEnumerable<LatencyCheckRegistration> checks, IServiceProvider services, TimeProvider timeProvider)
    {
        _byName = new Dictionary<string, LatencyRecorder>(StringComparer.OrdinalIgnoreCase);
        var byWindow = new Dictionary<TimeSpan, LatencyRecorder>();
        foreach (var check in checks)
        {
            if (_byName.ContainsKey(check.Name))
            {
                continue;
            }

            var window = check.Window(services);
            if (!byWindow.TryGetValue(window, out var recorder))
            {
                recorder = new LatencyRecorder(window, timeProvider);
                byWindow.Add(window, recorder);
            }

            _byName.Add(check.Name, recorder);
        }

        Recorders = [.. byWindow.Values];
    }

    public LatencyRecorder[] Recorders { get; }

    public LatencyRecorder Get(string name) => _byName[name];

    /// <summary>Registers a check that reads a window, with the recorder registry and the middleware that feeds it.</summary>
    internal static void Register(IServiceCollection services, string name, Func<IServiceProvider, TimeSpan> window)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Transient<IStartupFilter, LatencyStartupFilter>());
        services.TryAddSingleton<LatencyRecorderRegistry>();
        services.AddSingleton(new LatencyCheckRegistration(name, window));
    }
}
