using HealthKit.Lifecycle;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit;

/// <summary>
/// Registers startup tasks: work that must finish before the application reports started and ready.
/// </summary>
public static class StartupTaskHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a task that runs once after the host has started: a migration, a cache warm-up, or waiting for a first
    /// successful dependency call. Until every task has completed, <c>/health/startup</c> and <c>/health/ready</c> report
    /// Unhealthy "starting"; liveness is not affected. Tasks run one after another, in the order they were added.
    /// </summary>
    /// <param name="builder">The health checks builder returned by <c>AddHealthKit</c>.</param>
    /// <param name="name">A name shown in the startup check's data and in its description while it is pending.</param>
    /// <param name="task">
    /// The work, given a service scope of its own and a token that is cancelled when the host begins stopping or when the
    /// task has run for <see cref="HealthKitLifecycleOptions.StartupTimeout"/>. If it throws or times out, the startup
    /// check reports the task failed (by exception type, never message) or timed out, so the startup probe fails and the
    /// platform restarts the instance; the tasks after it do not run.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddStartupTask(this IHealthChecksBuilder builder, string name, Func<IServiceProvider, CancellationToken, Task> task)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(task);

        builder.Services.AddSingleton(new StartupTaskRegistration(name, task));
        return builder;
    }
}
