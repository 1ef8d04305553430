using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit;

/// <summary>
/// The built-in liveness check. It depends on nothing outside the process: if the endpoint can run it and answer, the
/// process can serve requests. It reports the process's vital signs as data.
/// </summary>
/// <remarks>
/// The engine runs the registration that <c>AddHealthKit</c> adds (recognised by <see cref="Factory"/>) inline through
/// <see cref="Measure"/>; <see cref="CheckHealthAsync"/> serves every other caller, such as background mode or
/// <c>MapHealthChecks</c>.
/// </remarks>
internal sealed class SelfCheck : IHealthCheck
{
    public const string Name = "self";
    public const string Description = "process is running";

    /// <summary>The factory of the registration that <c>AddHealthKit</c> adds.</summary>
    public static readonly Func<IServiceProvider, IHealthCheck> Factory = static provider => provider.GetRequiredService<SelfCheck>();

    private readonly TimeProvider _timeProvider;
    private readonly long _started;

    public SelfCheck(Engine.HealthEngine engine)
    {
        _timeProvider = engine.TimeProvider;
        _started = engine.StartedTimestamp;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var vitals = Measure();
        var data = new Dictionary<string, object>(vitals.Length);
        foreach (var (key, value) in vitals)
        {
            data[key] = value!;
        }

        return Task.FromResult(HealthCheckResult.Healthy(Description, data));
    }

    /// <summary>The vital signs, as the JSON-safe values that sanitising would produce from them.</summary>
    public KeyValuePair<string, object?>[] Measure() =>
    [
        new("uptimeSeconds", Math.Round(_timeProvider.GetElapsedTime(_started).TotalSeconds, 1)),
        new("threadPoolThreads", ThreadPool.ThreadCount),
        new("threadPoolPendingWorkItems", ThreadPool.PendingWorkItemCount),
        new("gcHeapBytes", GC.GetTotalMemory(forceFullCollection: false)),
    ];
}
