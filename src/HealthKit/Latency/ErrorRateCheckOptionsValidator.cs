using HealthKit.Internal;
using Microsoft.Extensions.Options;

namespace HealthKit.Latency;

/// <summary>Validates <see cref="ErrorRateCheckOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class ErrorRateCheckOptionsValidator : IValidateOptions<ErrorRateCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, ErrorRateCheckOptions options)
    {
        var key = ConfigurationBinding.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();
        ResponseLatencyCheckOptionsValidator.ValidateWindow(errors, key, options.Window);

        if (options.MinimumSamples < 1)
        {
            errors.Add($"{key}:{nameof(options.MinimumSamples)} must be at least 1 (was {options.MinimumSamples}).");
        }

        const string Percent = nameof(ErrorRateThreshold.MaximumErrorPercent);
        foreach (var (level, value) in new[] { (nameof(options.Degraded), options.Degraded.MaximumErrorPercent), (nameof(options.Unhealthy), options.Unhealthy.MaximumErrorPercent) })
        {
            // Zero would judge a single failed request out of thousands, which is a typo rather than a policy.
            if (value is { } percent && (double.IsNaN(percent) || percent <= 0 || percent > 100))
            {
                errors.Add($"{key}:{level}:{Percent} must be greater than 0 and at most 100 (was {percent}).");
            }
        }

        if (options.Degraded.MaximumErrorPercent > options.Unhealthy.MaximumErrorPercent)
        {
            errors.Add($"{key}:{nameof(options.Degraded)}:{Percent} ({options.Degraded.MaximumErrorPercent}) must not be higher than {key}:{nameof(options.Unhealthy)}:{Percent} ({options.Unhealthy.MaximumErrorPercent}); the error rate must become Degraded before it becomes Unhealthy.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
