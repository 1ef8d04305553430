using HealthKit.Grpc.Internal;
using HealthKit.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers HealthKit's gRPC health service (<c>grpc.health.v1.Health</c>).
/// </summary>
public static class HealthKitGrpcHealthChecksBuilderExtensions
{
    /// <summary>
    /// Registers the gRPC health service, gRPC itself (<c>AddGrpc</c>) and the options bound from
    /// <see cref="HealthKitGrpcOptions.SectionName"/>. Map the service with <c>app.MapHealthKitGrpc()</c> on an endpoint
    /// that speaks HTTP/2.
    /// </summary>
    /// <param name="builder">The builder <c>AddHealthKit()</c> returned.</param>
    /// <returns>The same builder, so that checks chain on.</returns>
    /// <remarks>Calling it more than once is harmless: later calls register nothing again.</remarks>
    public static IHealthChecksBuilder AddHealthKitGrpc(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var services = builder.Services;
        if (services.Any(descriptor => descriptor.ServiceType == typeof(GrpcHealthMap)))
        {
            return builder;
        }

        services.AddHealthKit();
        services.AddGrpc();
        var section = ConfigurationBinding.AddSectionOptions<HealthKitGrpcOptions>(services, HealthKitGrpcOptions.SectionKey);
        services.AddOptions<HealthKitGrpcOptions>()
            .Configure<IServiceProvider>((options, provider) => ConfigurationBinding.BindSection(provider, section, options))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitGrpcOptions>, HealthKitGrpcOptionsValidator>());
        services.AddSingleton<GrpcHealthMap>();
        services.AddSingleton<GrpcWatchLifetime>();
        services.AddHostedService(provider => provider.GetRequiredService<GrpcWatchLifetime>());
        services.AddSingleton<GrpcHealthService>();
        return builder;
    }

    /// <summary>
    /// Registers the gRPC health service as <see cref="AddHealthKitGrpc(IHealthChecksBuilder)"/> does, then applies
    /// <paramref name="configure"/> after the configuration section <see cref="HealthKitGrpcOptions.SectionName"/> is bound.
    /// </summary>
    /// <param name="builder">The builder <c>AddHealthKit()</c> returned.</param>
    /// <param name="configure">Changes the options; runs after configuration binding.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddHealthKitGrpc(this IHealthChecksBuilder builder, Action<HealthKitGrpcOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);

        builder.AddHealthKitGrpc();
        builder.Services.Configure(configure);
        return builder;
    }
}
