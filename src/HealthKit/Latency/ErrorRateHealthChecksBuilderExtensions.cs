using HealthKit.Latency;
using HealthKit.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers the error-rate check and the middleware that feeds it.
/// </summary>
public static class ErrorRateHealthChecksBuilderExtensions
{
    /// <summary>The default name of the error-rate check.</summary>
    public const string DefaultName = "errors";

    /// <summary>
    /// Adds a check named <c>errors</c> of the share of the application's requests over the last 60 seconds that were
    /// answered with a 5xx status or threw, fed by the same middleware and window as the latency check.
    /// </summary>
    /// <remarks>
    /// The requests left out of the latency check's window are left out here too, HealthKit's own endpoints among
    /// them. A request cancelled because its client went away is counted, but not as a failure. Degraded at 5% and
    /// Unhealthy at 25% once the window holds 20 requests, unless configured under <c>HealthKit:Checks:errors</c>.
    /// </remarks>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddErrorRate(this IHealthChecksBuilder builder) =>
        builder.AddErrorRate(DefaultName, configure: null);

    /// <summary>
    /// Adds an error-rate check with the given name and options.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; its options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>.</param>
    /// <param name="configure">Changes the options after configuration is bound; may be <see langword="null"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddErrorRate(this IHealthChecksBuilder builder, string name, Action<ErrorRateCheckOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);

        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ErrorRateCheckOptions>, ErrorRateCheckOptionsValidator>());
        LatencyRecorderRegistry.Register(services, name, provider =>
            provider.GetRequiredService<IOptionsMonitor<ErrorRateCheckOptions>>().Get(name).Window);
        HealthJson.HealthJsonMeasurements.Declare(services, name, HealthJson.HealthJsonMeasurements.ErrorRate);
        return builder.AddHealthKitCheck<ErrorRateCheckOptions>(name, configure, (provider, _) =>
        {
            var live = provider.GetRequiredKeyedService<LiveCheckOptions<ErrorRateCheckOptions>>(name);
            return new ErrorRateHealthCheck(provider.GetRequiredService<LatencyRecorderRegistry>().Get(name), () => live.Current);
        });
    }
}
