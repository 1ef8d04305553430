using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Internal;

/// <summary>Binds HealthKit's configuration sections when the application has an <see cref="IConfiguration"/>.</summary>
internal static class ConfigurationBinding
{
    internal const string ChecksSection = HealthKitOptions.SectionName + ":Checks";

    internal static string CheckKey(string name) => ChecksSection + ":" + name;

    internal static void BindRoot(IServiceProvider services, HealthKitOptions options) =>
        services.GetService<IConfiguration>()?.GetSection(HealthKitOptions.SectionName).Bind(options);

    internal static void BindCheck(IServiceProvider services, string name, object options) =>
        services.GetService<IConfiguration>()?.GetSection(CheckKey(name)).Bind(options);
}
