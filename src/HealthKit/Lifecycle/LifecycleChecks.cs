using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Lifecycle;

/// <summary>
/// Reports "starting" on <c>/health/startup</c> and <c>/health/ready</c> until the host has started and every startup task
/// has completed.
/// </summary>
internal sealed class StartupCheck(HealthKitAvailability availability) : IHealthCheck
{
    public const string Name = "startup";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var tasks = new Dictionary<string, object>(StringComparer.Ordinal);
        List<string>? waiting = null;
        string? failed = null;
        foreach (var task in availability.Tasks)
        {
            // Read once: the runner changes it concurrently, and TimedOutAfter is valid only once TimedOut has been read.
            var status = task.Status;
            tasks[task.Registration.Name] = status.ToString();
            // At most one task fails or times out: the tasks after it never start.
            switch (status)
            {
                case StartupTaskStatus.Failed:
                    failed = $"startup task '{task.Registration.Name}' failed ({task.FailedWith})";
                    break;
                case StartupTaskStatus.TimedOut:
                    failed = $"startup task '{task.Registration.Name}' timed out after {task.TimedOutAfter:c}";
                    break;
                case StartupTaskStatus.Pending or StartupTaskStatus.Running:
                    (waiting ??= []).Add(task.Registration.Name);
                    break;
            }
        }

        var data = new Dictionary<string, object> { ["hostStarted"] = availability.HostStarted, ["tasks"] = tasks };
        var result = !availability.HostStarted ? HealthCheckResult.Unhealthy("starting", data: data)
            : failed is not null ? HealthCheckResult.Unhealthy(failed, data: data)
            : waiting is not null ? HealthCheckResult.Unhealthy("starting: waiting for " + string.Join(", ", waiting), data: data)
            : HealthCheckResult.Healthy("started", data);
        return Task.FromResult(result);
    }
}

/// <summary>
/// Reports whether the application accepts traffic: "shutting down" once the host stops, "not ready: reason" while the
/// application has marked itself not ready.
/// </summary>
internal sealed class AvailabilityCheck(HealthKitAvailability availability) : IHealthCheck
{
    public const string Name = "availability";

    // Stryker disable once String : static initialiser, runs once per test process; LifecycleTests.StopAsync_FailsReadinessAtOnce_HoldsStopForDrain_KeepsServing fails when it changes
    private static readonly Task<HealthCheckResult> ShuttingDown = Task.FromResult(HealthCheckResult.Unhealthy("shutting down"));
    // Stryker disable once String : static initialiser, runs once per test process; LifecycleTests.Running_AvailabilityAcceptsTraffic_AndStartupSaysStarted_WithTheHostAndTaskData fails when it changes
    private static readonly Task<HealthCheckResult> Accepting = Task.FromResult(HealthCheckResult.Healthy("accepting traffic"));

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (availability.ReadinessFailing)
        {
            return ShuttingDown;
        }

        return availability.NotReadyReason is { } reason
            ? Task.FromResult(HealthCheckResult.Unhealthy("not ready: " + reason))
            : Accepting;
    }
}
