using Grpc.Health.V1;
using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit.Grpc.Internal;

/// <summary>
/// Stops the application at startup when the gRPC service names cannot all be answered: a check that takes a reserved
/// name, a configured service that is empty, reserved, a check's name or mapped to an endpoint that does not exist or is
/// disabled, or a Degraded mapping that is neither SERVING nor NOT_SERVING. Each message names the key to change.
/// </summary>
internal sealed class HealthKitGrpcOptionsValidator(
    IOptions<HealthKitOptions> healthKit,
    IOptions<HealthCheckServiceOptions> checks,
    IEnumerable<FixedPolicyCheck> lifecycle) : IValidateOptions<HealthKitGrpcOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthKitGrpcOptions options)
    {
        var errors = new List<string>();
        var endpoints = healthKit.Value;
        var builtIn = lifecycle.Select(check => check.Registration).ToHashSet();
        var checkNames = checks.Value.Registrations.Select(registration => registration.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var registration in checks.Value.Registrations)
        {
            // HealthKit's own 'startup' check is the startup endpoint's; the service 'startup' reports that endpoint.
            if (!builtIn.Contains(registration) && GrpcServiceNames.Reserved.TryGetValue(registration.Name, out var endpoint))
            {
                errors.Add($"A health check is registered with the name '{registration.Name}', which HealthKit.Grpc reserves for the gRPC service that reports the {endpoint} endpoint (liveness, readiness and startup are reserved). Give the check another name.");
            }
        }

        CheckEndpoint(GrpcServiceNames.ServerEndpointKey, options.ServerEndpoint, endpoints, errors);
        foreach (var (service, endpoint) in options.Services)
        {
            var key = GrpcServiceNames.ServiceKey(service);
            if (string.IsNullOrWhiteSpace(service))
            {
                errors.Add($"{HealthKitGrpcOptions.SectionName}:{nameof(HealthKitGrpcOptions.Services)} has an empty service name. The empty name (the server as a whole) is set by {GrpcServiceNames.ServerEndpointKey}.");
            }
            else if (GrpcServiceNames.Reserved.TryGetValue(service, out var reserved))
            {
                errors.Add($"The configuration key '{key}' sets the reserved service name '{service}', which always reports the {reserved} endpoint. Remove the key, or map another name.");
            }
            else if (checkNames.Contains(service))
            {
                errors.Add($"The configuration key '{key}' maps the service name '{service}', which is also the name of a registered health check, reachable by that name. Remove the key, or map another name.");
            }
            else
            {
                CheckEndpoint(key, endpoint, endpoints, errors);
            }
        }

        if (options.DegradedStatus is not (HealthCheckResponse.Types.ServingStatus.Serving or HealthCheckResponse.Types.ServingStatus.NotServing))
        {
            errors.Add($"The configuration key '{HealthKitGrpcOptions.SectionName}:{nameof(HealthKitGrpcOptions.DegradedStatus)}' ({options.DegradedStatus}) must be Serving or NotServing.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }

    private static void CheckEndpoint(string key, string? value, HealthKitOptions options, List<string> errors)
    {
        var endpoint = GrpcServiceNames.Endpoint(options, value);
        if (endpoint is null)
        {
            errors.Add($"The configuration key '{key}' ('{Redaction.TextBounds.Clean(value ?? string.Empty, 100)}') names no endpoint; use {GrpcServiceNames.EndpointKeys}.");
        }
        else if (!endpoint.Enabled)
        {
            errors.Add($"The configuration key '{key}' names the {endpoint.Key} endpoint, which is disabled ({HealthKitOptions.SectionName}:{nameof(HealthKitOptions.Endpoints)}:{endpoint.Key}:{nameof(HealthEndpointOptions.Enabled)}). Enable it, or map the service to another endpoint.");
        }
    }
}
