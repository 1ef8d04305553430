using HealthKit.Internal;
using Microsoft.Extensions.Options;

namespace HealthKit.Latency;

/// <summary>Validates <see cref="ResponseLatencyCheckOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class ResponseLatencyCheckOptionsValidator : IValidateOptions<ResponseLatencyCheckOptions>
{
    /// <summary>
    /// The highest percentile limit: the histogram measures up to 2^<see cref="LatencyRecorder.MaxExponent"/> µs (about
    /// 134 s) and counts anything longer there, so a higher limit could never be crossed.
    /// </summary>
    internal static readonly TimeSpan MaxLimit = TimeSpan.FromMinutes(2);

    public ValidateOptionsResult Validate(string? name, ResponseLatencyCheckOptions options)
    {
        var key = ConfigurationBinding.CheckKey(name ?? Options.DefaultName);
        var errors = new List<string>();

        ValidateWindow(errors, key, options.Window);

        if (options.MinimumSamples < 1)
        {
            errors.Add($"{key}:{nameof(options.MinimumSamples)} must be at least 1 (was {options.MinimumSamples}).");
        }

        foreach (var (percentile, degraded, unhealthy) in Pairs(options))
        {
            if (degraded <= TimeSpan.Zero || degraded > MaxLimit)
            {
                errors.Add($"{key}:{nameof(options.Degraded)}:{percentile} must be greater than zero and at most {MaxLimit} (was {degraded}).");
            }

            if (unhealthy <= TimeSpan.Zero || unhealthy > MaxLimit)
            {
                errors.Add($"{key}:{nameof(options.Unhealthy)}:{percentile} must be greater than zero and at most {MaxLimit} (was {unhealthy}).");
            }

            if (degraded > unhealthy)
            {
                errors.Add($"{key}:{nameof(options.Degraded)}:{percentile} ({degraded}) must not be higher than {key}:{nameof(options.Unhealthy)}:{percentile} ({unhealthy}); latency must become Degraded before it becomes Unhealthy.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The rule for the window of every check that reads a <see cref="LatencyRecorder"/>.</summary>
    internal static void ValidateWindow(List<string> errors, string key, TimeSpan window)
    {
        // The window is kept as one histogram per second, so a fraction of a second would silently be rounded up.
        if (window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromHours(1) || window.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"{key}:Window must be a whole number of seconds between 00:00:01 and 01:00:00 (was {window}).");
        }
    }

    private static IEnumerable<(string Percentile, TimeSpan? Degraded, TimeSpan? Unhealthy)> Pairs(ResponseLatencyCheckOptions options)
    {
        yield return (nameof(LatencyThreshold.P50), options.Degraded.P50, options.Unhealthy.P50);
        yield return (nameof(LatencyThreshold.P95), options.Degraded.P95, options.Unhealthy.P95);
        yield return (nameof(LatencyThreshold.P99), options.Degraded.P99, options.Unhealthy.P99);
    }
}
