using System.Globalization;
using HealthKit.Lifecycle;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit.Internal;

/// <summary>Validates <see cref="HealthKitOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class HealthKitOptionsValidator(IOptions<HostOptions> hostOptions, IHostEnvironment? environment = null)
    : IValidateOptions<HealthKitOptions>
{
    private const string Root = HealthKitOptions.SectionName;
    private static readonly TimeSpan MaxDeadline = TimeSpan.FromMinutes(10);

    public ValidateOptionsResult Validate(string? name, HealthKitOptions options)
    {
        var errors = new List<string>();

        if (!IsValidPathPrefix(options.PathPrefix))
        {
            errors.Add($"{Root}:{nameof(HealthKitOptions.PathPrefix)} must start with '/' and contain no '?', '#', '{{' or whitespace (was '{options.PathPrefix}').");
        }

        if (!Enum.IsDefined(options.AuthorizedDetailLevel))
        {
            errors.Add($"{Root}:{nameof(HealthKitOptions.AuthorizedDetailLevel)} must be Status, Components or Full.");
        }

        var paths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var longestDeadline = TimeSpan.Zero;
        foreach (var endpoint in options.Endpoints.All)
        {
            var key = $"{Root}:Endpoints:{endpoint.Key}";
            if (!endpoint.Enabled)
            {
                continue;
            }

            var path = (endpoint.Path ?? string.Empty).Trim('/');
            if (path.AsSpan().IndexOfAny("?#{}") >= 0 || path.Any(char.IsWhiteSpace))
            {
                errors.Add($"{key}:{nameof(HealthEndpointOptions.Path)} must be a plain path segment without '?', '#', braces or whitespace (was '{endpoint.Path}').");
            }
            else if (paths.TryGetValue(path, out var other))
            {
                errors.Add($"{key}:{nameof(HealthEndpointOptions.Path)} is '{endpoint.Path}', the same as {other}:{nameof(HealthEndpointOptions.Path)}; each endpoint needs its own path.");
            }
            else
            {
                paths.Add(path, key);
            }

            if (!Enum.IsDefined(endpoint.DetailLevel))
            {
                errors.Add($"{key}:{nameof(HealthEndpointOptions.DetailLevel)} must be Status, Components or Full.");
            }

            CheckStatusCode(errors, key, nameof(HealthEndpointOptions.HealthyStatusCode), endpoint.HealthyStatusCode);
            CheckStatusCode(errors, key, nameof(HealthEndpointOptions.DegradedStatusCode), endpoint.DegradedStatusCode);
            CheckStatusCode(errors, key, nameof(HealthEndpointOptions.UnhealthyStatusCode), endpoint.UnhealthyStatusCode);

            if (endpoint.Deadline <= TimeSpan.Zero || endpoint.Deadline > MaxDeadline)
            {
                errors.Add($"{key}:{nameof(HealthEndpointOptions.Deadline)} must be greater than zero and at most {MaxDeadline} (was {endpoint.Deadline}).");
            }
            else if (endpoint.Deadline > longestDeadline)
            {
                longestDeadline = endpoint.Deadline;
            }
        }

        ValidatePolicy(errors, $"{Root}:{nameof(HealthKitOptions.Defaults)}", options.Defaults, longestDeadline, isDefaults: true);
        foreach (var (checkName, policy) in options.Checks)
        {
            if (policy is null)
            {
                continue;
            }

            ValidatePolicy(errors, ConfigurationBinding.CheckKey(checkName), policy, longestDeadline, isDefaults: false);
        }

        ValidateLifecycle(errors, options.Lifecycle);

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsValidPathPrefix(string? prefix) =>
        !string.IsNullOrEmpty(prefix) && prefix[0] == '/' && prefix.AsSpan().IndexOfAny("?#{}") < 0 && !prefix.Any(char.IsWhiteSpace);

    private static void ValidatePolicy(List<string> errors, string key, HealthCheckPolicy policy, TimeSpan longestDeadline, bool isDefaults)
    {
        if (isDefaults)
        {
            Require(errors, key, nameof(HealthCheckPolicy.Timeout), policy.Timeout);
            Require(errors, key, nameof(HealthCheckPolicy.CacheTtl), policy.CacheTtl);
            Require(errors, key, nameof(HealthCheckPolicy.FailureCacheTtl), policy.FailureCacheTtl);
        }

        if (policy.Timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Timeout)} must be greater than zero (was {timeout}).");
            }
            else if (longestDeadline > TimeSpan.Zero && timeout > longestDeadline)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Timeout)} ({timeout}) is longer than every endpoint's Deadline (the longest is {longestDeadline}); a check cannot outlast the deadline of the endpoint that runs it. Lower the timeout or raise {Root}:Endpoints:<name>:Deadline.");
            }
        }

        NotNegative(errors, key, nameof(HealthCheckPolicy.CacheTtl), policy.CacheTtl);
        NotNegative(errors, key, nameof(HealthCheckPolicy.FailureCacheTtl), policy.FailureCacheTtl);

        if (policy.Mode is { } mode && !Enum.IsDefined(mode))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.Mode)} must be OnDemand or Background.");
        }

        if (policy.Period is { } period && period < TimeSpan.FromMilliseconds(100))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.Period)} must be at least 100 ms (was {period}).");
        }

        if (policy.UnhealthyAfterFailures is { } failures && failures < 1)
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.UnhealthyAfterFailures)} must be at least 1 (was {failures.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (policy.UnhealthyAfterDuration is { } duration && duration <= TimeSpan.Zero)
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.UnhealthyAfterDuration)} must be greater than zero (was {duration}).");
        }
    }

    private void ValidateLifecycle(List<string> errors, HealthKitLifecycleOptions lifecycle)
    {
        const string Key = Root + ":" + nameof(HealthKitOptions.Lifecycle);
        if (lifecycle.StartupTimeout <= TimeSpan.Zero || lifecycle.StartupTimeout > HealthKitLifecycleOptions.MaxStartupTimeout)
        {
            errors.Add($"{Key}:{nameof(lifecycle.StartupTimeout)} must be greater than zero and at most {HealthKitLifecycleOptions.MaxStartupTimeout} (was {lifecycle.StartupTimeout}).");
        }

        if (lifecycle.DrainDelay < TimeSpan.Zero)
        {
            errors.Add($"{Key}:{nameof(lifecycle.DrainDelay)} must not be negative (was {lifecycle.DrainDelay}).");
            return;
        }

        if (lifecycle.ReadinessFailDelay < TimeSpan.Zero)
        {
            errors.Add($"{Key}:{nameof(lifecycle.ReadinessFailDelay)} must not be negative (was {lifecycle.ReadinessFailDelay}).");
            return;
        }

        var drain = LifecycleService.EffectiveDrainDelay(lifecycle, environment);
        var shutdownTimeout = hostOptions.Value.ShutdownTimeout;
        if (drain > TimeSpan.Zero && drain >= shutdownTimeout)
        {
            errors.Add($"{Key}:{nameof(lifecycle.DrainDelay)} ({drain}) must be shorter than the host's ShutdownTimeout ({shutdownTimeout}), which bounds the whole shutdown, drain included. Lower the drain delay, or raise HostOptions.ShutdownTimeout (configuration key 'shutdownTimeoutSeconds') and keep it below the pod's terminationGracePeriodSeconds.");
        }

        if (lifecycle.ReadinessFailDelay > drain)
        {
            errors.Add($"{Key}:{nameof(lifecycle.ReadinessFailDelay)} ({lifecycle.ReadinessFailDelay}) must not exceed {Key}:{nameof(lifecycle.DrainDelay)} ({drain}); readiness would still pass after the server stopped accepting connections.");
        }
    }

    private static void Require(List<string> errors, string key, string property, TimeSpan? value)
    {
        if (value is null)
        {
            errors.Add($"{key}:{property} must be set.");
        }
    }

    private static void NotNegative(List<string> errors, string key, string property, TimeSpan? value)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{key}:{property} must not be negative (was {value}); use 00:00:00 to turn caching off.");
        }
    }

    private static void CheckStatusCode(List<string> errors, string key, string property, int code)
    {
        if (code is < 200 or > 599)
        {
            errors.Add($"{key}:{property} must be an HTTP status code from 200 to 599 (was {code.ToString(CultureInfo.InvariantCulture)}).");
        }
    }
}
