using System.Diagnostics;
using HealthKit.ProbeServer;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Adds the probe server: HealthKit's endpoints on a port of their own, in any generic host.
/// </summary>
public static class ProbeServerHealthChecksBuilderExtensions
{
    /// <summary>
    /// Starts a small Kestrel server of its own with the host, on <c>HealthKit:ProbeServer:Urls</c> (by default
    /// <c>http://+:8081</c>), serving HealthKit's endpoints: <c>/health</c>, <c>/health/live</c>, <c>/health/ready</c>,
    /// <c>/health/startup</c>, <c>/health/checks/{name}</c> and the status page. It works in a worker built with
    /// <c>Host.CreateApplicationBuilder</c>, which has no web server, and in a web app, where it keeps the endpoints off
    /// the public listener.
    /// </summary>
    /// <param name="builder">The builder <c>AddHealthKit()</c> returned.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// <para>
    /// The server's pipeline is routing, then authentication and authorization when the application registered them (so
    /// <c>HealthKit:DetailsPolicy</c> works there), then the endpoints. None of the application's own middleware runs on
    /// it: no forwarded headers, no HTTPS redirection, no CORS.
    /// </para>
    /// <para>
    /// In a web app, <c>MapHealthKit()</c> then maps nothing on the application's listener, where HealthKit's paths
    /// answer 404; the conventions given to it (such as <c>RequireAuthorization</c>) apply on the probe server instead,
    /// and its path prefix is the one the probe server uses.
    /// </para>
    /// <para>
    /// The server starts with the host's hosted services and stops after the shutdown drain, so <c>/health/ready</c>
    /// answers 503 on it while the host drains. Calling this more than once is harmless.
    /// </para>
    /// </remarks>
    public static IHealthChecksBuilder AddProbeServer(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var services = builder.Services;
        services.AddHealthKit();
        if (services.Any(descriptor => descriptor.ServiceType == typeof(ProbeServerMappings)))
        {
            return builder;
        }

        services.AddSingleton<ProbeServerMappings>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitOptions>, ProbeServerOptionsValidator>());

        // A worker's host has no web server and so none of the services its pipeline needs; a web app has them already.
        services.AddRouting();
        services.TryAddSingleton(_ => new DiagnosticListener("Microsoft.AspNetCore"));
        services.TryAddSingleton<DiagnosticSource>(provider => provider.GetRequiredService<DiagnosticListener>());

        services.AddSingleton<ProbeServerService>();
        services.AddHostedService(provider => provider.GetRequiredService<ProbeServerService>());
        return builder;
    }

    /// <summary>
    /// Adds the probe server as <see cref="AddProbeServer(IHealthChecksBuilder)"/> does, then applies
    /// <paramref name="configure"/> to its options after the configuration section <c>HealthKit:ProbeServer</c> is bound.
    /// </summary>
    /// <param name="builder">The builder <c>AddHealthKit()</c> returned.</param>
    /// <param name="configure">Changes the options; runs after configuration binding.</param>
    /// <returns>The same builder.</returns>
    public static IHealthChecksBuilder AddProbeServer(this IHealthChecksBuilder builder, Action<ProbeServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);

        builder.AddProbeServer();
        builder.Services.Configure<HealthKitOptions>(options => configure(options.ProbeServer));
        return builder;
    }

    /// <summary>
    /// Adds endpoints to the probe server, beside HealthKit's own: for example a gRPC health service, which needs the
    /// HTTP/2 listener of <c>HealthKit:ProbeServer:Http2Urls</c>.
    /// </summary>
    /// <param name="builder">The builder <c>AddHealthKit()</c> returned.</param>
    /// <param name="map">
    /// Maps the endpoints on the probe server's route builder when the server starts. Its
    /// <see cref="IEndpointRouteBuilder.ServiceProvider"/> is the application's, so any service the endpoints need must be
    /// registered in the application.
    /// </param>
    /// <returns>The same builder.</returns>
    /// <remarks>The application stops at startup when the probe server is not added with <c>AddProbeServer</c>.</remarks>
    public static IHealthChecksBuilder MapOnProbeServer(this IHealthChecksBuilder builder, Action<IEndpointRouteBuilder> map)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(map);

        builder.Services.AddSingleton(new ProbeServerEndpoints(map));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HealthKitOptions>, ProbeServerRequiredValidator>());
        return builder;
    }
}
