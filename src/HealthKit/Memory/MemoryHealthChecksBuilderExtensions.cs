using HealthKit.Live;
using HealthKit.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers the memory check.
/// </summary>
public static class MemoryHealthChecksBuilderExtensions
{
    /// <summary>The default name of the memory check.</summary>
    public const string DefaultName = "memory";

    /// <summary>
    /// Adds a check named <c>memory</c> of the process's memory against the limit that will stop it first: the
    /// container's control group limit (cgroup v2 or v1), the garbage collector's heap hard limit
    /// (<c>GCHeapHardLimit</c>), or the machine's memory. Tagged <see cref="HealthKitTags.Ready"/>.
    /// </summary>
    /// <remarks>
    /// Degraded at 85% of the limit and Unhealthy at 95% unless configured under <c>HealthKit:Checks:memory</c>. The
    /// data also carries the GC's pause-time percentage since the previous run and the process's working set.
    /// </remarks>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddMemory(this IHealthChecksBuilder builder) =>
        builder.AddMemory(DefaultName, configure: null);

    /// <summary>
    /// Adds a memory check with the given name and options.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; its options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>.</param>
    /// <param name="configure">Changes the options after configuration is bound; may be <see langword="null"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddMemory(this IHealthChecksBuilder builder, string name, Action<MemoryCheckOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MemoryCheckOptions>, MemoryCheckOptionsValidator>());
        HealthJson.HealthJsonMeasurements.Declare(builder.Services, name, HealthJson.HealthJsonMeasurements.MemoryUtilization);
        return builder.AddHealthKitCheck<MemoryCheckOptions>(name, configure, (services, _) =>
        {
            var live = services.GetRequiredKeyedService<LiveCheckOptions<MemoryCheckOptions>>(name);
            return new MemoryHealthCheck(
                () => live.Current,
                name,
                services.GetRequiredService<TimeProvider>(),
                services.GetService<ILoggerFactory>()?.CreateLogger(typeof(MemoryHealthCheck)));
        });
    }
}
