using System.Globalization;
using HealthKit.Lifecycle;
using HealthKit.Redaction;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit.Internal;

/// <summary>Validates <see cref="HealthKitOptions"/>; every message names the configuration key to fix.</summary>
internal sealed class HealthKitOptionsValidator(IOptions<HostOptions> hostOptions, IHostEnvironment? environment = null)
    : IValidateOptions<HealthKitOptions>
{
    /// <summary>
    /// How much the background runner lengthens or shortens a wait at random, as a fraction of the period; the
    /// <see cref="MaxPeriod"/> cap must leave room for it below <see cref="TimerLimit"/>.
    /// </summary>
    internal const double PeriodJitter = 0.1;

    /// <summary>Beyond this many failures in a row, damping no longer describes a flapping dependency.</summary>
    internal const int MaxUnhealthyAfterFailures = 1000;

    /// <summary>The most dedicated check threads: beyond this, blocking checks are better fixed than given threads.</summary>
    internal const int MaxCheckThreads = 256;

    internal static readonly TimeSpan MaxDeadline = TimeSpan.FromMinutes(10);
    internal static readonly TimeSpan MinPeriod = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The longest background period. A timer cannot wait longer than <see cref="TimerLimit"/>, and the jitter lengthens
    /// a wait by up to 10%; a day keeps far below that and is longer than any health check should wait between runs.
    /// </summary>
    internal static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(1);

    /// <summary>The longest due time of a .NET timer, and so of <c>Task.Delay</c> and <c>CancelAfter</c>: about 49.7 days.</summary>
    internal static readonly TimeSpan TimerLimit = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    /// <summary>The longest reuse of a result, and the longest failing time before Unhealthy.</summary>
    internal static readonly TimeSpan MaxCacheTtl = TimeSpan.FromDays(1);

    internal static readonly TimeSpan MaxDrainDelay = TimeSpan.FromMinutes(10);

    /// <summary>The longest maximum age: well below <see cref="TimerLimit"/>, and longer than three of the longest periods.</summary>
    internal static readonly TimeSpan MaxAgeLimit = TimeSpan.FromDays(7);

    private const string Root = HealthKitOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, HealthKitOptions options)
    {
        var errors = new List<string>();

        if (PathPrefixProblem(options.PathPrefix) is { } prefixProblem)
        {
            errors.Add($"{Root}:{nameof(HealthKitOptions.PathPrefix)} ('{Redactor.RedactText(options.PathPrefix)}') {prefixProblem}.");
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
            if (EndpointPathProblem(endpoint.Path) is { } pathProblem)
            {
                errors.Add($"{key}:{nameof(HealthEndpointOptions.Path)} ('{Redactor.RedactText(endpoint.Path)}') {pathProblem}.");
            }
            else if (paths.TryGetValue(path, out var other))
            {
                errors.Add($"{key}:{nameof(HealthEndpointOptions.Path)} is '{Redactor.RedactText(endpoint.Path)}', the same as {other}:{nameof(HealthEndpointOptions.Path)}; each endpoint needs its own path.");
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

        var defaultsKey = $"{Root}:{nameof(HealthKitOptions.Defaults)}";
        var defaultMode = options.Defaults.Mode ?? HealthCheckMode.OnDemand;
        ValidatePolicy(errors, defaultsKey, options.Defaults, defaultMode, longestDeadline, isDefaults: true);
        foreach (var (checkName, policy) in options.Checks)
        {
            if (policy is null)
            {
                continue;
            }

            var key = ConfigurationBinding.CheckKey(checkName);
            var mode = policy.Mode ?? defaultMode;
            ValidatePolicy(errors, key, policy, mode, longestDeadline, isDefaults: false);

            // A background default timeout is inherited by a check made on-demand here: the cap applies to it again.
            if (policy.Timeout is null && mode == HealthCheckMode.OnDemand && defaultMode == HealthCheckMode.Background
                && longestDeadline > TimeSpan.Zero && options.Defaults.Timeout > longestDeadline)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Mode)} is OnDemand, so the check inherits {defaultsKey}:{nameof(HealthCheckPolicy.Timeout)} ({options.Defaults.Timeout}), which is longer than every endpoint's Deadline (the longest is {longestDeadline}); only a Background check may outlast a deadline. Set {key}:{nameof(HealthCheckPolicy.Timeout)}.");
            }
        }

        ValidateLifecycle(errors, options.Lifecycle);
        ValidateStatusPage(errors, options.StatusPage);
        ValidateHistory(errors, options.History);
        ValidateRedaction(errors, options.Redaction);
        if (options.CheckThreads is < 1 or > MaxCheckThreads)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Root}:{nameof(HealthKitOptions.CheckThreads)} ({options.CheckThreads}) must be between 1 and {MaxCheckThreads}: it is how many dedicated threads check runs start on."));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Why <paramref name="prefix"/> cannot be a path prefix, or <see langword="null"/> if it can.</summary>
    internal static string? PathPrefixProblem(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix[0] != '/')
        {
            return "must start with '/', such as '/health'";
        }

        if (prefix.Length > 1 && prefix[^1] == '/')
        {
            return "must not end with '/': that is an empty last segment; write it without the trailing '/'";
        }

        return SegmentsProblem(prefix);
    }

    /// <summary>Why <paramref name="path"/> cannot be an endpoint's path below the prefix, or <see langword="null"/> if it can.</summary>
    internal static string? EndpointPathProblem(string? path)
    {
        var trimmed = path ?? string.Empty;
        if (trimmed.Contains("//", StringComparison.Ordinal))
        {
            return SegmentsProblem(trimmed);
        }

        // One leading or trailing '/' is forgiven: "/live" and "live/" both mean "live" below the prefix.
        trimmed = trimmed.StartsWith('/') ? trimmed[1..] : trimmed;
        trimmed = trimmed.EndsWith('/') ? trimmed[..^1] : trimmed;
        return trimmed.Length == 0 ? null : SegmentsProblem("/" + trimmed);
    }

    private static string? SegmentsProblem(string path)
    {
        if (path.Contains("//", StringComparison.Ordinal))
        {
            return "has an empty segment ('//'); separate segments with a single '/'";
        }

        if (path.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            return "must not contain '?' or '#': they start a query string or a fragment, which are not part of a path";
        }

        if (path.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            return "must not contain '{' or '}': they would make it a route parameter";
        }

        if (path.Any(char.IsWhiteSpace))
        {
            return "must not contain whitespace";
        }

        try
        {
            // Anything else routing refuses would otherwise surface as a RoutePatternException that names no key.
            _ = RoutePatternFactory.Parse(path);
            return null;
        }
        catch (RoutePatternException ex)
        {
            return $"is not a valid route: {Redactor.RedactText(ex.Message)}";
        }
    }

    private static void ValidatePolicy(List<string> errors, string key, HealthCheckPolicy policy, HealthCheckMode mode, TimeSpan longestDeadline, bool isDefaults)
    {
        if (isDefaults)
        {
            Require(errors, key, nameof(HealthCheckPolicy.Timeout), policy.Timeout);
            Require(errors, key, nameof(HealthCheckPolicy.CacheTtl), policy.CacheTtl);
            Require(errors, key, nameof(HealthCheckPolicy.FailureCacheTtl), policy.FailureCacheTtl);

            // A default would turn every check off, or let readiness pass with every dependency down, in one line.
            if (policy.Enabled is not null)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Enabled)} cannot be set: a check is turned off by name, {Root}:Checks:<name>:{nameof(HealthCheckPolicy.Enabled)}, never all at once.");
            }

            if (policy.Critical is not null)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Critical)} cannot be set: a default would let readiness pass with every dependency down; mark optional checks one by one with {Root}:Checks:<name>:{nameof(HealthCheckPolicy.Critical)}.");
            }
        }

        if (policy.Timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero || timeout > MaxDeadline)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Timeout)} must be greater than zero and at most {MaxDeadline} (was {timeout}).");
            }
            else if (mode == HealthCheckMode.OnDemand && longestDeadline > TimeSpan.Zero && timeout > longestDeadline)
            {
                errors.Add($"{key}:{nameof(HealthCheckPolicy.Timeout)} ({timeout}) is longer than every endpoint's Deadline (the longest is {longestDeadline}); an on-demand check cannot outlast the deadline of the endpoint that runs it. Lower the timeout, raise {Root}:Endpoints:<name>:Deadline, or set {key}:{nameof(HealthCheckPolicy.Mode)} to Background, whose runs never hold a probe.");
            }
        }

        CheckTtl(errors, key, nameof(HealthCheckPolicy.CacheTtl), policy.CacheTtl);
        CheckTtl(errors, key, nameof(HealthCheckPolicy.FailureCacheTtl), policy.FailureCacheTtl);

        if (policy.Mode is { } ownMode && !Enum.IsDefined(ownMode))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.Mode)} must be OnDemand or Background.");
        }

        // Comparing before any arithmetic: a huge period times the jitter would overflow TimeSpan here, as in the runner.
        if (policy.Period is { } period && (period < MinPeriod || period > MaxPeriod))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.Period)} must be between {MinPeriod.ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture)} and {MaxPeriod} (was {period}).");
        }

        if (policy.UnhealthyAfterFailures is { } failures && failures is < 1 or > MaxUnhealthyAfterFailures)
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.UnhealthyAfterFailures)} must be between 1 and {MaxUnhealthyAfterFailures.ToString(CultureInfo.InvariantCulture)} (was {failures.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (policy.UnhealthyAfterDuration is { } duration && (duration <= TimeSpan.Zero || duration > MaxCacheTtl))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.UnhealthyAfterDuration)} must be greater than zero and at most {MaxCacheTtl} (was {duration}).");
        }

        if (policy.SlowThreshold is { } slow && (slow <= TimeSpan.Zero || slow > MaxDeadline))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.SlowThreshold)} must be greater than zero and at most {MaxDeadline} (was {slow}).");
        }

        // Checked against the check's own period and timeout by the engine, which knows them once defaults are resolved.
        if (policy.MaxAge is { } maxAge && (maxAge <= TimeSpan.Zero || maxAge > MaxAgeLimit))
        {
            errors.Add($"{key}:{nameof(HealthCheckPolicy.MaxAge)} must be greater than zero and at most {MaxAgeLimit} (was {maxAge}).");
        }
    }

    private static void ValidateRedaction(List<string> errors, HealthKitRedactionOptions redaction)
    {
        const string Key = Root + ":" + nameof(HealthKitOptions.Redaction);
        for (var i = 0; i < redaction.SecretKeyWords.Count; i++)
        {
            var word = redaction.SecretKeyWords[i];
            if (string.IsNullOrEmpty(word) || !word.All(char.IsLetterOrDigit))
            {
                errors.Add($"{Key}:{nameof(HealthKitRedactionOptions.SecretKeyWords)}:{i.ToString(CultureInfo.InvariantCulture)} must be letters and digits only (was '{word}').");
            }
        }

        for (var i = 0; i < redaction.SecretPatterns.Count; i++)
        {
            var key = $"{Key}:{nameof(HealthKitRedactionOptions.SecretPatterns)}:{i.ToString(CultureInfo.InvariantCulture)}";
            try
            {
                if (Redaction.SecretRedactor.CreatePattern(redaction.SecretPatterns[i] ?? string.Empty).IsMatch(string.Empty))
                {
                    errors.Add($"{key} matches the empty text; it would mask nothing useful and everything around it.");
                }
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{key} is not a valid regular expression: {ex.Message}");
            }
        }
    }

    private static void ValidateHistory(List<string> errors, HealthKitHistoryOptions history)
    {
        const string Key = Root + ":" + nameof(HealthKitOptions.History) + ":";
        if (history.Capacity is < 0 or > HealthKitHistoryOptions.MaxCapacity)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Key}{nameof(HealthKitHistoryOptions.Capacity)} ({history.Capacity}) must be between 0 (no history) and {HealthKitHistoryOptions.MaxCapacity}: it is how many status changes each check keeps."));
        }

        if (history.Window < TimeSpan.FromSeconds(1) || history.Window > HealthKitHistoryOptions.MaxWindow)
        {
            errors.Add($"{Key}{nameof(HealthKitHistoryOptions.Window)} must be at least 00:00:01 and at most {HealthKitHistoryOptions.MaxWindow} (was {history.Window}): it is how long a status change is kept.");
        }
    }

    private static void ValidateStatusPage(List<string> errors, HealthKitStatusPageOptions page)
    {
        const string Key = Root + ":" + nameof(HealthKitOptions.StatusPage) + ":" + nameof(HealthKitStatusPageOptions.RefreshInterval);
        var interval = page.RefreshInterval;

        // The Refresh header counts whole seconds and browsers ignore a fraction, so 00:00:00.500 would reload at once, forever.
        if (interval != TimeSpan.Zero
            && (interval < TimeSpan.FromSeconds(1) || interval > HealthKitStatusPageOptions.MaxRefreshInterval || interval.Ticks % TimeSpan.TicksPerSecond != 0))
        {
            errors.Add($"{Key} must be 00:00:00 (no automatic reload) or whole seconds from 00:00:01 to {HealthKitStatusPageOptions.MaxRefreshInterval} (was {interval}).");
        }
    }

    private void ValidateLifecycle(List<string> errors, HealthKitLifecycleOptions lifecycle)
    {
        const string Key = Root + ":" + nameof(HealthKitOptions.Lifecycle);
        if (lifecycle.StartupTimeout <= TimeSpan.Zero || lifecycle.StartupTimeout > HealthKitLifecycleOptions.MaxStartupTimeout)
        {
            errors.Add($"{Key}:{nameof(lifecycle.StartupTimeout)} must be greater than zero and at most {HealthKitLifecycleOptions.MaxStartupTimeout} (was {lifecycle.StartupTimeout}).");
        }

        if (lifecycle.DrainDelay < TimeSpan.Zero || lifecycle.DrainDelay > MaxDrainDelay)
        {
            errors.Add($"{Key}:{nameof(lifecycle.DrainDelay)} must be between 00:00:00 and {MaxDrainDelay} (was {lifecycle.DrainDelay}).");
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

    private static void CheckTtl(List<string> errors, string key, string property, TimeSpan? value)
    {
        if (value < TimeSpan.Zero)
        {
            errors.Add($"{key}:{property} must not be negative (was {value}); use 00:00:00 to turn caching off.");
        }
        else if (value > MaxCacheTtl)
        {
            errors.Add($"{key}:{property} must be at most {MaxCacheTtl} (was {value}); a result reused longer says nothing about the present.");
        }
    }

    private static void CheckStatusCode(List<string> errors, string key, string property, int code)
    {
        if (code is < 200 or > 599)
        {
            errors.Add($"{key}:{property} must be an HTTP status code from 200 to 599 (was {code.ToString(CultureInfo.InvariantCulture)}).");
        }
        else if (code is StatusCodes.Status204NoContent or StatusCodes.Status205ResetContent or StatusCodes.Status304NotModified)
        {
            // Every endpoint answers GET with a body in whichever format the caller asks for (JSON, text, health+json,
            // HTML); Kestrel refuses a body with these codes, so every such request would fail.
            errors.Add($"{key}:{property} is {code.ToString(CultureInfo.InvariantCulture)}, a status code whose response cannot carry a body, but every HealthKit endpoint answers with one (JSON, text, application/health+json or HTML). Use a code that carries a body, such as 200 or 503.");
        }
    }
}
