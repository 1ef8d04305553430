using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Publishing;

/// <summary>
/// Puts HealthKit under Microsoft's health check service and publisher service: <see cref="HealthCheckService"/> is
/// answered by the engine, and Microsoft's own publisher service (which keeps HealthCheckPublisherOptions' Delay,
/// Period, Predicate and Timeout, and the registrations' own Delay and Period) receives every publisher wrapped in a
/// <see cref="GuardedPublisher"/>.
/// </summary>
internal static class PublisherRegistration
{
    internal const string LoggerCategory = "HealthKit.Publishing";

    public static void Add(IServiceCollection services)
    {
        // Which service answers is a setting (HealthKit:ReplaceHealthCheckService), read when the service is first
        // resolved; the application's own registration (Microsoft's, from AddHealthChecks) is kept for when it says no.
        var original = services.LastOrDefault(descriptor => descriptor.ServiceType == typeof(HealthCheckService) && !descriptor.IsKeyedService);
        services.Replace(ServiceDescriptor.Singleton<HealthCheckService>(provider =>
            provider.GetRequiredService<IOptions<HealthKitOptions>>().Value.ReplaceHealthCheckService || original is null
                ? ActivatorUtilities.CreateInstance<EngineHealthCheckService>(provider)
                : Create(provider, original)));

        // AddHealthChecks registers Microsoft's service with TryAddEnumerable, keyed by its implementation type; the
        // replacement keeps that type, so that a later AddHealthChecks call does not add the unguarded one back.
        for (var i = 0; i < services.Count; i++)
        {
            if (services[i] is { ServiceType: var type, ImplementationType: { } implementation }
                && type == typeof(IHostedService) && IsMicrosoftPublisherService(implementation))
            {
                services[i] = ServiceDescriptor.Singleton(typeof(IHostedService), CreateFactory(implementation));
            }
        }
    }

    /// <summary>The service <paramref name="descriptor"/> registered, built as the container would have built it.</summary>
    private static HealthCheckService Create(IServiceProvider provider, ServiceDescriptor descriptor) =>
        (HealthCheckService)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(provider)
            ?? ActivatorUtilities.CreateInstance(provider, descriptor.ImplementationType!));

    internal static bool IsMicrosoftPublisherService(Type type) =>
        type.Assembly == typeof(HealthCheckService).Assembly && type.Name == "HealthCheckPublisherHostedService";

    private static Func<IServiceProvider, object> CreateFactory(Type implementation) =>
        (Func<IServiceProvider, object>)typeof(PublisherRegistration)
            .GetMethod(nameof(Factory), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(implementation)
            .Invoke(null, null)!;

    /// <summary>A factory whose delegate type names <typeparamref name="TService"/>, as TryAddEnumerable compares it.</summary>
    private static Func<IServiceProvider, TService> Factory<TService>()
        where TService : class => provider => ActivatorUtilities.CreateInstance<TService>(provider, Guard(provider));

    private static IEnumerable<IHealthCheckPublisher> Guard(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<HealthCheckPublisherOptions>>();
        var lifetime = provider.GetService<IHostApplicationLifetime>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(LoggerCategory);
        return [.. provider.GetServices<IHealthCheckPublisher>().Select(publisher => new GuardedPublisher(publisher, options, lifetime, logger))];
    }
}
