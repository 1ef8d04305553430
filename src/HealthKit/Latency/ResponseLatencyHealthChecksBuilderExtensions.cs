using HealthKit.Latency;
using HealthKit.Live;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers the response latency check and the middleware that feeds it.
/// </summary>
public static class ResponseLatencyHealthChecksBuilderExtensions
{
    /// <summary>The default name of the response latency check.</summary>
    public const string DefaultName = "latency";

    /// <summary>
    /// Adds a check named <c>latency</c> of the p50, p95 and p99 latency of the application's requests over the last
    /// 60 seconds, and a middleware at the start of the pipeline that records them.
    /// </summary>
    /// <remarks>
    /// Requests that are meant to last are left out of the window: upgraded connections (WebSockets over HTTP/1.1
    /// answer 101), <c>CONNECT</c> requests (WebSockets over HTTP/2 and HTTP/3), responses of type
    /// <c>text/event-stream</c>, endpoints marked with
    /// <see cref="LatencyEndpointConventionBuilderExtensions.ExcludeFromLatency{TBuilder}(TBuilder)"/> or
    /// <see cref="ExcludeFromLatencyAttribute"/>, and HealthKit's own endpoints. Every other request counts, including
    /// one that failed, was not found or threw.
    /// </remarks>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddResponseLatency(this IHealthChecksBuilder builder) =>
        builder.AddResponseLatency(DefaultName, configure: null);

    /// <summary>
    /// Adds a response latency check with the given name and options.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; its options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>.</param>
    /// <param name="configure">Changes the options after configuration is bound; may be <see langword="null"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddResponseLatency(this IHealthChecksBuilder builder, string name, Action<ResponseLatencyCheckOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResponseLatencyCheckOptions>, ResponseLatencyCheckOptionsValidator>());
        LatencyRecorderRegistry.Register(services, name, provider =>
            provider.GetRequiredService<IOptionsMonitor<ResponseLatencyCheckOptions>>().Get(name).Window);
        HealthJson.HealthJsonMeasurements.Declare(builder.Services, name, HealthJson.HealthJsonMeasurements.P95);
        return builder.AddHealthKitCheck<ResponseLatencyCheckOptions>(name, configure, (provider, _) =>
        {
            var live = provider.GetRequiredKeyedService<LiveCheckOptions<ResponseLatencyCheckOptions>>(name);
            return new ResponseLatencyHealthCheck(provider.GetRequiredService<LatencyRecorderRegistry>().Get(name), () => live.Current);
        });
    }
}
