using System.Data.Common;
using HealthKit.Database;
using HealthKit.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Registers the database ping check for any ADO.NET <see cref="DbDataSource"/>: Npgsql, Microsoft.Data.Sqlite,
/// Microsoft.Data.SqlClient, MySqlConnector and so on.
/// </summary>
public static class DatabaseHealthChecksBuilderExtensions
{
    /// <summary>The default name of the database check.</summary>
    public const string DefaultName = "database";

    /// <summary>
    /// Adds a check named <c>database</c> that runs <c>SELECT 1</c> on the application's <see cref="DbDataSource"/>
    /// from dependency injection. Tagged <see cref="HealthKitTags.Ready"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddDatabase(this IHealthChecksBuilder builder) =>
        builder.AddDatabase(DefaultName, configure: null);

    /// <summary>
    /// Adds a database ping check with the given name and options.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; its options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>.</param>
    /// <param name="configure">
    /// Changes the options after configuration is bound; set <see cref="DatabaseCheckOptions.DataSource"/> here to pass
    /// a data source in. May be <see langword="null"/>.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    public static IHealthChecksBuilder AddDatabase(this IHealthChecksBuilder builder, string name, Action<DatabaseCheckOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DatabaseCheckOptions>, DatabaseCheckOptionsValidator>());
        HealthJson.HealthJsonMeasurements.Declare(builder.Services, name, HealthJson.HealthJsonMeasurements.RoundTrip);
        return builder.AddHealthKitCheck(name, configure, (provider, options) =>
        {
            var dataSource = options.DataSource
                ?? (options.DataSourceKey is { } key ? provider.GetKeyedService<DbDataSource>(key) : provider.GetService<DbDataSource>())
                ?? throw new InvalidOperationException(
                    $"The database health check '{name}' needs a DbDataSource, and none is registered{(options.DataSourceKey is { } missing ? $" with the key '{missing}' (HealthKit:Checks:{name}:DataSourceKey)" : string.Empty)}. Register one (for example 'builder.Services.AddNpgsqlDataSource(...)' or 'builder.Services.AddSingleton<DbDataSource>(...)'), or set DatabaseCheckOptions.DataSource in AddDatabase.");
            var live = provider.GetRequiredKeyedService<LiveCheckOptions<DatabaseCheckOptions>>(name);
            return new DatabaseHealthCheck(dataSource, () => live.Current, provider.GetRequiredService<TimeProvider>());
        });
    }
}
