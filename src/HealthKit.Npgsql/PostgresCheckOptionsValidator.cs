using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace HealthKit.Npgsql;

/// <summary>Validates <see cref="PostgresCheckOptions"/>; every message names the configuration key to fix.</summary>
/// <remarks>No message repeats a connection string: it may hold a password.</remarks>
internal sealed class PostgresCheckOptionsValidator(IServiceProvider services) : IValidateOptions<PostgresCheckOptions>
{
    /// <summary>The longest endpoint deadline HealthKit accepts; no check can run longer.</summary>
    private static readonly TimeSpan MaxDegradedThreshold = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, PostgresCheckOptions options)
    {
        var key = PostgresHealthChecksBuilderExtensions.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();

        var sources = new[]
        {
            (nameof(options.ConnectionString), options.ConnectionString),
            (nameof(options.ConnectionStringName), options.ConnectionStringName),
            (nameof(options.DataSourceKey), options.DataSourceKey),
        }.Where(source => source.Item2 is not null).Select(source => $"{key}:{source.Item1}").ToList();
        if (sources.Count > 1)
        {
            errors.Add($"Set only one of {string.Join(", ", sources)}: each names a different data source.");
        }

        if (options.ConnectionString is { } connectionString)
        {
            CheckConnectionString(errors, connectionString, $"{key}:{nameof(options.ConnectionString)}");
        }

        if (options.ConnectionStringName is { } connectionStringName)
        {
            if (string.IsNullOrWhiteSpace(connectionStringName))
            {
                errors.Add($"{key}:{nameof(options.ConnectionStringName)} must not be empty.");
            }
            else if (services.GetService<IConfiguration>()?.GetConnectionString(connectionStringName) is not { } named)
            {
                errors.Add($"{key}:{nameof(options.ConnectionStringName)} is '{connectionStringName}', but ConnectionStrings:{connectionStringName} is not set. Set it (for example with the environment variable ConnectionStrings__{connectionStringName}) or name another connection string.");
            }
            else
            {
                CheckConnectionString(errors, named, $"ConnectionStrings:{connectionStringName} (named by {key}:{nameof(options.ConnectionStringName)})");
            }
        }

        if (options.DataSourceKey is { } dataSourceKey && string.IsNullOrWhiteSpace(dataSourceKey))
        {
            errors.Add($"{key}:{nameof(options.DataSourceKey)} must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Query))
        {
            errors.Add($"{key}:{nameof(options.Query)} must not be empty.");
        }

        // A round trip longer than the longest endpoint deadline is never measured, so a higher threshold never fires.
        if (options.DegradedThreshold <= TimeSpan.Zero || options.DegradedThreshold > MaxDegradedThreshold)
        {
            errors.Add($"{key}:{nameof(options.DegradedThreshold)} must be greater than zero and at most {MaxDegradedThreshold} (was {options.DegradedThreshold}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckConnectionString(List<string> errors, string connectionString, string key)
    {
        NpgsqlConnectionStringBuilder settings;
        try
        {
            settings = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            errors.Add($"{key} is not a valid Npgsql connection string (an unknown keyword or a value of the wrong type).");
            return;
        }

        if (string.IsNullOrWhiteSpace(settings.Host))
        {
            errors.Add($"{key} names no Host.");
        }
    }
}
