using HealthKit.Disk;
using HealthKit.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers the disk space check.
/// </summary>
public static class DiskSpaceHealthChecksBuilderExtensions
{
    /// <summary>The default name of the disk space check.</summary>
    public const string DefaultName = "disk";

    /// <summary>
    /// Adds a check named <c>disk</c> of the free space under the paths in <c>HealthKit:Checks:disk:Paths</c>, or under
    /// the application's content root when none are configured. Tagged <see cref="HealthKitTags.Ready"/>.
    /// </summary>
    /// <remarks>
    /// Relative paths are relative to the content root (<see cref="IHostEnvironment.ContentRootPath"/>), or to the current
    /// directory when no host environment is registered. Every symbolic link in a path is resolved before its mount point
    /// is looked up.
    /// </remarks>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddDiskSpace(this IHealthChecksBuilder builder) =>
        builder.AddDiskSpace(DefaultName, configure: null);

    /// <summary>
    /// Adds a disk space check with the given name and options.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; its options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>.</param>
    /// <param name="configure">Changes the options after configuration is bound; may be <see langword="null"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddDiskSpace(this IHealthChecksBuilder builder, string name, Action<DiskSpaceCheckOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiskSpaceCheckOptions>, DiskSpaceCheckOptionsValidator>());
        HealthJson.HealthJsonMeasurements.Declare(builder.Services, name, HealthJson.HealthJsonMeasurements.DiskUtilization);
        return builder.AddHealthKitCheck(name, configure, (services, options) =>
        {
            var contentRoot = services.GetService<IHostEnvironment>()?.ContentRootPath;
            IEnumerable<string> paths = options.Paths.Count > 0 ? options.Paths : [contentRoot ?? AppContext.BaseDirectory];
            var live = services.GetRequiredKeyedService<LiveCheckOptions<DiskSpaceCheckOptions>>(name);
            return new DiskSpaceHealthCheck(options, paths, baseDirectory: contentRoot, thresholds: () => live.Current);
        });
    }
}
