using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Lifecycle;

/// <summary>
/// The built-in liveness check. It depends on nothing outside the process: if the endpoint can run it and answer, the
/// process can serve requests. It reports the process's vital signs as data.
/// </summary>
internal sealed class SelfCheck : IHealthCheck
{
    public const string Name = "self";

    private readonly TimeProvider _timeProvider;
    private readonly long _started;

    public SelfCheck(Engine.HealthEngine engine)
    {
        _timeProvider = engine.TimeProvider;
        _started = engine.StartedTimestamp;
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(4)
        {
            ["uptimeSeconds"] = Math.Round(_timeProvider.GetElapsedTime(_started).TotalSeconds, 1),
            ["threadPoolThreads"] = ThreadPool.ThreadCount,
            ["threadPoolPendingWorkItems"] = ThreadPool.PendingWorkItemCount,
            // Stryker disable once Boolean : a forced full collection would only make every liveness probe costlier (a benchmark's concern, not a test's)
            ["gcHeapBytes"] = GC.GetTotalMemory(forceFullCollection: false),
        };
        return Task.FromResult(HealthCheckResult.Healthy("process is running", data));
    }
}
