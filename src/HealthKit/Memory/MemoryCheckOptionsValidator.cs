using HealthKit.Internal;
using Microsoft.Extensions.Options;

namespace HealthKit.Memory;

/// <summary>Validates <see cref="MemoryCheckOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class MemoryCheckOptionsValidator : IValidateOptions<MemoryCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, MemoryCheckOptions options)
    {
        var key = ConfigurationBinding.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();
        ValidateThreshold(errors, $"{key}:{nameof(options.Degraded)}", options.Degraded);
        ValidateThreshold(errors, $"{key}:{nameof(options.Unhealthy)}", options.Unhealthy);

        if (options.Degraded.MaximumUsedPercent > options.Unhealthy.MaximumUsedPercent)
        {
            errors.Add($"{key}:{nameof(options.Degraded)}:{nameof(MemoryThreshold.MaximumUsedPercent)} ({options.Degraded.MaximumUsedPercent}) must not be higher than {key}:{nameof(options.Unhealthy)}:{nameof(MemoryThreshold.MaximumUsedPercent)} ({options.Unhealthy.MaximumUsedPercent}); memory must become Degraded before it becomes Unhealthy.");
        }

        if (options.Degraded.MaximumUsedBytes > options.Unhealthy.MaximumUsedBytes)
        {
            errors.Add($"{key}:{nameof(options.Degraded)}:{nameof(MemoryThreshold.MaximumUsedBytes)} ({options.Degraded.MaximumUsedBytes}) must not be higher than {key}:{nameof(options.Unhealthy)}:{nameof(MemoryThreshold.MaximumUsedBytes)} ({options.Unhealthy.MaximumUsedBytes}); memory must become Degraded before it becomes Unhealthy.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateThreshold(List<string> errors, string key, MemoryThreshold threshold)
    {
        if (threshold.MaximumUsedBytes <= 0)
        {
            errors.Add($"{key}:{nameof(threshold.MaximumUsedBytes)} must be greater than zero (was {threshold.MaximumUsedBytes}).");
        }

        // Zero would make every process cross the threshold at once, which is a typo rather than a policy.
        if (threshold.MaximumUsedPercent is { } percent && (double.IsNaN(percent) || percent <= 0 || percent > 100))
        {
            errors.Add($"{key}:{nameof(threshold.MaximumUsedPercent)} must be greater than 0 and at most 100 (was {percent}).");
        }
    }
}
