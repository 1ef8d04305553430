using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit.HealthJson;

/// <summary>Validates <see cref="HealthKitOptions.HealthJson"/>; every message names the configuration key to fix.</summary>
internal sealed class HealthJsonOptionsValidator(IOptions<HealthCheckServiceOptions> registrations) : IValidateOptions<HealthKitOptions>
{
    private const string Key = $"{HealthKitOptions.SectionName}:{nameof(HealthKitOptions.HealthJson)}:{nameof(HealthJsonOptions.Measurements)}";

    public ValidateOptionsResult Validate(string? name, HealthKitOptions options)
    {
        var names = registrations.Value.Registrations.Select(r => r.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();
        foreach (var (check, measurement) in options.HealthJson.Measurements)
        {
            var key = $"{Key}:{check}";
            if (!names.Contains(check))
            {
                errors.Add($"{key} names no registered health check; the checks are: {string.Join(", ", names.Order(StringComparer.Ordinal))}.");
            }

            if (measurement is null || string.IsNullOrWhiteSpace(measurement.Name) || measurement.Name.Contains(':', StringComparison.Ordinal))
            {
                errors.Add($"{key}:{nameof(HealthJsonMeasurement.Name)} must be set, without ':' (it is the measurement part of the key '{check}:<measurement>'), such as responseTime.");
            }
            else if (string.IsNullOrWhiteSpace(measurement.ComponentType))
            {
                errors.Add($"{key}:{nameof(HealthJsonMeasurement.ComponentType)} must be set: component, datastore, system, or a URI.");
            }
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
