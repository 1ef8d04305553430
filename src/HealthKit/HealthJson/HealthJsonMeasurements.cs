using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.HealthJson;

/// <summary>The measurements HealthKit's own checks declare when they are registered.</summary>
internal static class HealthJsonMeasurements
{
    /// <summary>
    /// Declares <paramref name="name"/>'s measurement unless configuration already declared one: configuration is bound
    /// first, so a configured measurement wins.
    /// </summary>
    public static void Declare(IServiceCollection services, string name, Func<HealthJsonMeasurement> create) =>
        services.Configure<HealthKitOptions>(options => options.HealthJson.Measurements.TryAdd(name, create()));

    public static HealthJsonMeasurement RoundTrip() =>
        new() { Name = "responseTime", Unit = "ms", ComponentType = "datastore", DataKey = "roundTripMs" };

    public static HealthJsonMeasurement DiskUtilization() =>
        new() { Name = "utilization", Unit = "percent", ComponentType = "system", DataKey = "freePercent", Transform = static free => 100 - free };

    public static HealthJsonMeasurement P95() =>
        new() { Name = "responseTime", Unit = "ms", ComponentType = "component", DataKey = "p95Ms" };

    public static HealthJsonMeasurement MemoryUtilization() =>
        new() { Name = "utilization", Unit = "percent", ComponentType = "system", DataKey = "usedPercent" };

    public static HealthJsonMeasurement ErrorRate() =>
        new() { Name = "errorRate", Unit = "percent", ComponentType = "component", DataKey = "errorPercent" };
}
