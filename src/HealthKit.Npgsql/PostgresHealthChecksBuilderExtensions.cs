using HealthKit.Npgsql;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HealthKit;

/// <summary>
/// Registers the PostgreSQL check: one pooled round trip per run, with failures described in safe words.
/// </summary>
public static class PostgresHealthChecksBuilderExtensions
{
    /// <summary>The default name of the PostgreSQL check.</summary>
    public const string DefaultName = "postgres";

    /// <summary>
    /// Adds a check named <c>postgres</c> on the application's <see cref="NpgsqlDataSource"/> from dependency injection.
    /// Tagged <see cref="HealthKitTags.Ready"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// The data source is used as it is. To check a keyed registration, set
    /// <see cref="PostgresCheckOptions.DataSourceKey"/> (or <c>HealthKit:Checks:postgres:DataSourceKey</c>). At startup, a
    /// Warning is logged when the data source has no connect or command timeout, or a <c>Maximum Pool Size</c> below 3.
    /// </remarks>
    public static IHealthChecksBuilder AddPostgres(this IHealthChecksBuilder builder) =>
        builder.AddPostgres(DefaultName, configure: null);

    /// <summary>
    /// Adds a check named <c>postgres</c> on a connection string, or on a named connection string from the configuration
    /// section <c>ConnectionStrings</c>. Tagged <see cref="HealthKitTags.Ready"/>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="connectionStringOrName">
    /// A connection string (anything that contains <c>=</c>, such as <c>Host=db;Username=app;Password=...</c>), or the
    /// name of one: <c>Orders</c> reads <c>ConnectionStrings:Orders</c>.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// HealthKit builds one data source from the connection string on the first run, shares it between runs and
    /// disposes it with the service provider. Its connect and command timeouts follow the check's timeout.
    /// </remarks>
    public static IHealthChecksBuilder AddPostgres(this IHealthChecksBuilder builder, string connectionStringOrName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionStringOrName);
        var isConnectionString = connectionStringOrName.Contains('=', StringComparison.Ordinal);
        return builder.AddPostgres(DefaultName, options =>
        {
            if (isConnectionString)
            {
                options.ConnectionString = connectionStringOrName;
            }
            else
            {
                options.ConnectionStringName = connectionStringOrName;
            }
        });
    }

    /// <summary>
    /// Adds a PostgreSQL check with the given name and options.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; its options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>.</param>
    /// <param name="configure">
    /// Changes the options after configuration is bound: choose the data source, the query, the Degraded threshold and
    /// <see cref="PostgresCheckOptions.RequirePrimary"/>. May be <see langword="null"/>.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="InvalidOperationException">
    /// At startup, when no connection string is set and no matching <see cref="NpgsqlDataSource"/> is registered.
    /// </exception>
    public static IHealthChecksBuilder AddPostgres(this IHealthChecksBuilder builder, string name, Action<PostgresCheckOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresCheckOptions>, PostgresCheckOptionsValidator>());

        // An owned data source lives as long as the service provider, which disposes it.
        builder.Services.AddKeyedSingleton(ProviderKey(name), (services, _) =>
        {
            var options = services.GetRequiredService<IOptionsMonitor<PostgresCheckOptions>>().Get(name);
            return ResolveDataSource(services, name, options);
        });

        // application/health+json reports the round trip as postgres:responseTime, unless configuration says otherwise.
        builder.Services.Configure<HealthKitOptions>(options => options.HealthJson.Measurements.TryAdd(
            name, new HealthJsonMeasurement { Name = "responseTime", Unit = "ms", ComponentType = "datastore", DataKey = "roundTripMs" }));

        return builder.AddHealthKitCheck(name, configure, (services, options) => new PostgresHealthCheck(
            name,
            services.GetRequiredKeyedService<PostgresDataSourceProvider>(ProviderKey(name)),
            options,
            services.GetRequiredService<TimeProvider>(),
            services.GetService<ILogger<PostgresHealthCheck>>() ?? NullLogger<PostgresHealthCheck>.Instance));
    }

    internal static string CheckKey(string name) => $"{HealthKitOptions.SectionName}:Checks:{name}";

    private static string ProviderKey(string name) => "HealthKit.Npgsql:" + name;

    private static PostgresDataSourceProvider ResolveDataSource(IServiceProvider services, string name, PostgresCheckOptions options)
    {
        var connectionString = options.ConnectionString
            ?? (options.ConnectionStringName is { } connectionStringName
                ? services.GetService<IConfiguration>()?.GetConnectionString(connectionStringName)
                : null);
        if (connectionString is not null)
        {
            return PostgresDataSourceProvider.Own(connectionString, name);
        }

        var dataSource = options.DataSourceKey is { } key
            ? services.GetKeyedService<NpgsqlDataSource>(key)
            : services.GetService<NpgsqlDataSource>();
        if (dataSource is null)
        {
            var keyed = options.DataSourceKey is { } missing ? $" with the key '{missing}' ({CheckKey(name)}:DataSourceKey)" : string.Empty;
            throw new InvalidOperationException(
                $"The PostgreSQL health check '{name}' needs an NpgsqlDataSource, and none is registered{keyed}. Register one (for example 'builder.Services.AddNpgsqlDataSource(...)' or 'builder.Services.AddSingleton(NpgsqlDataSource.Create(...))'), or give the check a connection string: AddPostgres(\"<connection string or ConnectionStrings name>\"), or {CheckKey(name)}:ConnectionString or :ConnectionStringName.");
        }

        var provider = PostgresDataSourceProvider.Borrow(dataSource, name);
        provider.WarnAboutBorrowedSettings(
            services.GetService<ILogger<PostgresHealthCheck>>() ?? NullLogger<PostgresHealthCheck>.Instance,
            options.DataSourceKey is { } dataSourceKey ? $"the keyed NpgsqlDataSource '{dataSourceKey}'" : "the NpgsqlDataSource from DI");
        return provider;
    }
}
