using HealthKit.Redaction;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit.Internal;

/// <summary>
/// Refuses an endpoint <see cref="HealthEndpointOptions.Tag"/> that no registered check carries, unless the endpoint
/// says it may be empty: such an endpoint answers Healthy whatever its dependencies do.
/// </summary>
/// <remarks>The built-in lifecycle checks are registrations like any other, so their tags count.</remarks>
internal sealed class EndpointTagValidator(IOptions<HealthCheckServiceOptions> checks) : IValidateOptions<HealthKitOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthKitOptions options)
    {
        var registrations = checks.Value.Registrations;
        List<string>? errors = null;
        foreach (var endpoint in options.Endpoints.All)
        {
            if (!endpoint.Enabled || endpoint.AllowEmpty || string.IsNullOrEmpty(endpoint.Tag)
                || registrations.Any(registration => registration.Tags.Contains(endpoint.Tag)))
            {
                continue;
            }

            var key = $"{HealthKitOptions.SectionName}:{nameof(HealthKitOptions.Endpoints)}:{endpoint.Key}";
            var tags = registrations.SelectMany(registration => registration.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            (errors ??= []).Add(
                $"{key}:{nameof(HealthEndpointOptions.Tag)} is '{Redactor.RedactText(endpoint.Tag)}', which no registered health check carries, so the endpoint would report Healthy whatever its dependencies do. Tags that exist (case-sensitive): {string.Join(", ", tags)}. Fix the tag, or set {key}:{nameof(HealthEndpointOptions.AllowEmpty)} to true if the endpoint is meant to run no check of its own.");
        }

        return errors is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
