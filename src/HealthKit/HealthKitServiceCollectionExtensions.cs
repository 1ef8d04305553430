using HealthKit.Engine;
using HealthKit.HealthJson;
using HealthKit.Internal;
using HealthKit.Lifecycle;
using HealthKit.Listeners;
using HealthKit.Live;
using HealthKit.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers HealthKit in an <see cref="IServiceCollection"/>.
/// </summary>
public static class HealthKitServiceCollectionExtensions
{
    /// <summary>
    /// Registers HealthKit's evaluation engine, the options bound from the configuration section <c>HealthKit</c> (when an
    /// <c>IConfiguration</c> is registered), shutdown draining, and three built-in checks: <c>self</c> (liveness),
    /// <c>startup</c> (startup and readiness: "starting" until the host has started and every startup task is done) and
    /// <c>availability</c> (readiness: "shutting down" once the host stops, or "not ready" while
    /// <see cref="HealthKitAvailability.MarkNotReady"/> is in effect).
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
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitOptions>, EndpointTagValidator>());
        services.TryAddSingleton<HealthEngine>();

        // The engine's meter comes from the container's IMeterFactory, so each application (and each test host) has its own.
        services.AddMetrics();
        services.AddHostedService<BackgroundCheckRunner>();

        // Publishers and listeners: HealthCheckService (and so Microsoft's publisher service) answered by the engine when
        // HealthKit:ReplaceHealthCheckService says so, publishers guarded either way, and the
        // status-change listeners' queue. The shutdown drain runs before any hosted service stops, so listeners still
        // hear readiness fail.
        PublisherRegistration.Add(services);
        services.TryAddSingleton<HealthStatusNotifier>();
        services.AddHostedService(provider => provider.GetRequiredService<HealthStatusNotifier>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitOptions>, ListenerOptionsValidator>());

        services.TryAddSingleton(provider => new HealthKitAvailability(
            provider.GetRequiredService<TimeProvider>(),
            provider.GetServices<StartupTaskRegistration>()));
        services.AddHostedService<LifecycleService>();

        // application/health+json: what the answers say about the service, and the measurements' validation.
        services.TryAddSingleton(provider => new HealthJsonIdentity(
            provider.GetRequiredService<IOptions<HealthKitOptions>>().Value, provider.GetService<IHostEnvironment>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitOptions>, HealthJsonOptionsValidator>());

        // Live settings: HealthKit:Defaults and HealthKit:Checks are re-read, validated whole, when configuration reloads.
        services.AddSingleton<LiveSettings>();
        services.AddHostedService(provider => provider.GetRequiredService<LiveSettings>());

        services.TryAddSingleton<SelfCheck>();
        services.TryAddSingleton<StartupCheck>();
        services.TryAddSingleton<AvailabilityCheck>();
        // The lifecycle checks' policy is fixed (see FixedPolicyCheck). Self is reused for a second so that a flood of
        // liveness probes costs nothing; startup and availability follow the application's state exactly.
        AddFixed(builder, new(SelfCheck.Name, provider => provider.GetRequiredService<SelfCheck>(), HealthStatus.Unhealthy, [HealthKitTags.Live]), followsState: false, TimeSpan.FromSeconds(1));
        AddFixed(builder, new(StartupCheck.Name, provider => provider.GetRequiredService<StartupCheck>(), HealthStatus.Unhealthy, [HealthKitTags.Startup, HealthKitTags.Ready]), followsState: true, TimeSpan.Zero, nameof(HealthKitEndpointsOptions.Startup), nameof(HealthKitEndpointsOptions.Ready));
        AddFixed(builder, new(AvailabilityCheck.Name, provider => provider.GetRequiredService<AvailabilityCheck>(), HealthStatus.Unhealthy, [HealthKitTags.Ready]), followsState: true, TimeSpan.Zero, nameof(HealthKitEndpointsOptions.Ready));
        return builder;
    }

    private static void AddFixed(IHealthChecksBuilder builder, HealthCheckRegistration registration, bool followsState, TimeSpan cacheTtl, params string[] alwaysOnEndpoints)
    {
        builder.Add(registration);
        builder.Services.AddSingleton(new FixedPolicyCheck(registration, followsState, cacheTtl, alwaysOnEndpoints));
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
