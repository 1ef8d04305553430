using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit.Worker;

/// <summary>
/// The consumer's lag: how long the oldest waiting message has waited. Degraded and Unhealthy from
/// <c>Worker:DegradedLag</c> and <c>Worker:UnhealthyLag</c>. A consumer that stops, or falls behind its producer, shows
/// here within the thresholds; readiness then fails, which holds a rollout but never restarts the pod.
/// </summary>
internal sealed class ConsumerLagCheck(WorkQueue queue, IOptionsMonitor<WorkerOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.CurrentValue;
        var lag = queue.Lag;
        var data = new Dictionary<string, object>
        {
            ["lagMs"] = Math.Round(lag.TotalMilliseconds),
            ["waiting"] = queue.Waiting,
            ["consumed"] = queue.Consumed,
        };
        var description = string.Create(CultureInfo.InvariantCulture, $"oldest message waited {lag.TotalSeconds:0.0} s; {queue.Waiting} waiting");
        var status = lag >= settings.UnhealthyLag ? HealthStatus.Unhealthy
            : lag >= settings.DegradedLag ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        return Task.FromResult(new HealthCheckResult(status, description, data: data));
    }
}
