using HealthKit.Internal;
using Microsoft.Extensions.Options;

namespace HealthKit.Database;

/// <summary>Validates <see cref="DatabaseCheckOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class DatabaseCheckOptionsValidator : IValidateOptions<DatabaseCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseCheckOptions options)
    {
        var key = ConfigurationBinding.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Query))
        {
            errors.Add($"{key}:{nameof(options.Query)} must not be empty.");
        }

        if (options.DegradedThreshold <= TimeSpan.Zero)
        {
            errors.Add($"{key}:{nameof(options.DegradedThreshold)} must be greater than zero (was {options.DegradedThreshold}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
