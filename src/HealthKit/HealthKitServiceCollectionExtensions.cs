using HealthKit.Engine;
using HealthKit.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers HealthKit in an <see cref="IServiceCollection"/>.
/// </summary>
public static class HealthKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers HealthKit's evaluation engine, the built-in <c>self</c> liveness check, and the options bound from the
    /// configuration section <c>HealthKit</c> (when an <c>IConfiguration</c> is registered).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>
    /// The <see cref="IHealthChecksBuilder"/>, so that <c>AddCheck</c>, HealthKit's checks and any
    /// <c>AspNetCore.HealthChecks.*</c> extension chain onto it.
    /// </returns>
    /// <remarks>Calling it more than once is harmless: later calls return a builder and register nothing again.</remarks>
    public static IHealthChecksBuilder AddHealthKit(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        var builder = services.AddHealthChecks();
        if (services.Any(descriptor => descriptor.ServiceType == typeof(HealthKitMarkerService)))
        {
            return builder;
        }

        services.AddSingleton<HealthKitMarkerService>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<HealthKitOptions>()
            .Configure<IServiceProvider>((options, provider) => ConfigurationBinding.BindRoot(provider, options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitOptions>, HealthKitOptionsValidator>());
        services.TryAddSingleton<HealthEngine>();
        services.AddHostedService<BackgroundCheckRunner>();

        services.TryAddSingleton(provider => provider.GetRequiredService<HealthEngine>().Self);
        builder.Add(new HealthCheckRegistration(
            SelfCheck.Name,
            SelfCheck.Factory,
            HealthStatus.Unhealthy,
            [HealthKitTags.Live]));
        return builder;
    }

    /// <summary>
    /// Registers HealthKit as <see cref="AddHealthKit(IServiceCollection)"/> does, then applies
    /// <paramref name="configure"/> after the configuration section <c>HealthKit</c> is bound.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Changes the options; runs after configuration binding.</param>
    /// <returns>The <see cref="IHealthChecksBuilder"/>.</returns>
    public static IHealthChecksBuilder AddHealthKit(this IServiceCollection services, Action<HealthKitOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);

        var builder = services.AddHealthKit();
        services.Configure(configure);
        return builder;
    }
}
