using HealthKit.Internal;
using Microsoft.Extensions.Options;

namespace HealthKit.Database;

/// <summary>Validates <see cref="DatabaseCheckOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class DatabaseCheckOptionsValidator : IValidateOptions<DatabaseCheckOptions>
{
    private static readonly TimeSpan MaxDegradedThreshold = HealthKitOptionsValidator.MaxDeadline;

    public ValidateOptionsResult Validate(string? name, DatabaseCheckOptions options)
    {
        var key = ConfigurationBinding.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();
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
}
