using HealthKit.Internal;
using Microsoft.Extensions.Options;

namespace HealthKit.Disk;

/// <summary>Validates <see cref="DiskSpaceCheckOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class DiskSpaceCheckOptionsValidator : IValidateOptions<DiskSpaceCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, DiskSpaceCheckOptions options)
    {
        var key = ConfigurationBinding.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();
        for (var i = 0; i < options.Paths.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.Paths[i]))
            {
                errors.Add($"{key}:{nameof(options.Paths)}:{i} must not be empty.");
            }
        }

        ValidateThreshold(errors, $"{key}:{nameof(options.Degraded)}", options.Degraded);
        ValidateThreshold(errors, $"{key}:{nameof(options.Unhealthy)}", options.Unhealthy);

        if (options.Degraded.MinimumFreeBytes < options.Unhealthy.MinimumFreeBytes)
        {
            errors.Add($"{key}:{nameof(options.Degraded)}:{nameof(DiskSpaceThreshold.MinimumFreeBytes)} ({options.Degraded.MinimumFreeBytes}) must not be lower than {key}:{nameof(options.Unhealthy)}:{nameof(DiskSpaceThreshold.MinimumFreeBytes)} ({options.Unhealthy.MinimumFreeBytes}); a disk must become Degraded before it becomes Unhealthy.");
        }

        if (options.Degraded.MinimumFreePercent < options.Unhealthy.MinimumFreePercent)
        {
            errors.Add($"{key}:{nameof(options.Degraded)}:{nameof(DiskSpaceThreshold.MinimumFreePercent)} ({options.Degraded.MinimumFreePercent}) must not be lower than {key}:{nameof(options.Unhealthy)}:{nameof(DiskSpaceThreshold.MinimumFreePercent)} ({options.Unhealthy.MinimumFreePercent}); a disk must become Degraded before it becomes Unhealthy.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateThreshold(List<string> errors, string key, DiskSpaceThreshold threshold)
    {
        if (threshold.MinimumFreeBytes < 0)
        {
            errors.Add($"{key}:{nameof(threshold.MinimumFreeBytes)} must not be negative (was {threshold.MinimumFreeBytes}).");
        }

        if (threshold.MinimumFreePercent is { } percent && (double.IsNaN(percent) || percent < 0 || percent > 100))
        {
            errors.Add($"{key}:{nameof(threshold.MinimumFreePercent)} must be between 0 and 100 (was {percent}).");
        }
    }
}
