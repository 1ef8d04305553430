using HealthKit.Internal;
using HealthKit.Lifecycle;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Engine;

/// <summary>
/// Evaluates checks for HealthKit's endpoints: coalesces concurrent requests onto one run per check, reuses results for
/// their time-to-live, and never lets a request wait past its deadline, whatever the check does with its token.
/// </summary>
internal sealed class HealthEngine : IDisposable
{
    internal const string TimedOutDescription = "timed out";
    internal const string NoResultYetDescription = "no result yet";

    private readonly CancellationTokenSource _stopping = new();
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly Dictionary<string, CheckSlot> _byName;

    public HealthEngine(
        IOptions<HealthCheckServiceOptions> checks,
        IOptions<HealthKitOptions> options,
        IServiceScopeFactory scopes,
        TimeProvider timeProvider,
        HealthKitAvailability availability,
        ILogger<HealthEngine> logger)
    {
        _scopes = scopes;
        _logger = logger;
        TimeProvider = timeProvider;
        Availability = availability;
        Options = options.Value;
        StartedTimestamp = timeProvider.GetTimestamp();

        var registrations = checks.Value.Registrations;
        _byName = new Dictionary<string, CheckSlot>(registrations.Count, StringComparer.OrdinalIgnoreCase);
        var slots = new List<CheckSlot>(registrations.Count);
        foreach (var registration in registrations)
        {
            if (_byName.ContainsKey(registration.Name))
            {
                throw new InvalidOperationException(
                    $"Two health checks are registered with the name '{registration.Name}'. Check names must be unique (case-insensitive); give one of them another name.");
            }

            // The lifecycle checks must reflect the moment of the request: their result is reused exactly as long as the
            // application's availability has not changed, so readiness flips on the first probe after a change.
            Func<int>? stateVersion = registration.Name is StartupCheck.Name or AvailabilityCheck.Name ? () => availability.Version : null;
            var slot = new CheckSlot(this, registration, ResolvePolicy(registration, Options), stateVersion);
            _byName.Add(registration.Name, slot);
            slots.Add(slot);
        }

        foreach (var name in Options.Checks.Keys)
        {
            if (!_byName.ContainsKey(name))
            {
                throw new InvalidOperationException(
                    $"The configuration key '{ConfigurationBinding.CheckKey(name)}' names no registered health check. Registered checks: {string.Join(", ", _byName.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
            }
        }

        Slots = [.. slots];
    }

    public TimeProvider TimeProvider { get; }

    public HealthKitAvailability Availability { get; }

    public HealthKitOptions Options { get; }

    public long StartedTimestamp { get; }

    public CheckSlot[] Slots { get; }

    public CheckSlot? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// Evaluates <paramref name="slots"/> for one request. Completes synchronously when every result is cached.
    /// </summary>
    /// <exception cref="OperationCanceledException">The request was aborted; nothing shared is cancelled.</exception>
    public ValueTask<Evaluation> EvaluateAsync(CheckSlot[] slots, TimeSpan deadline, CancellationToken requestAborted)
    {
        var start = TimeProvider.GetTimestamp();
        var outcomes = new CheckOutcome[slots.Length];
        Task<CheckOutcome>?[]? pending = null;
        long[]? runStarts = null;

        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            if (slot.Policy.Mode == HealthCheckMode.Background)
            {
                outcomes[i] = slot.TryGetOverdueRun(start, out var overdue)
                    ? slot.TimedOut(overdue, start)
                    : slot.Last ?? NoResultYet(start);
                continue;
            }

            if (slot.TryGetFresh(start) is { } fresh)
            {
                outcomes[i] = fresh;
                continue;
            }

            var run = slot.GetOrStartRun(freshAt: start, out var runStarted);
            if (run.IsCompletedSuccessfully)
            {
                outcomes[i] = run.Result;
                continue;
            }

            pending ??= new Task<CheckOutcome>?[slots.Length];
            runStarts ??= new long[slots.Length];
            pending[i] = run;
            runStarts[i] = runStarted;
        }

        return pending is null
            ? new ValueTask<Evaluation>(new Evaluation(slots, outcomes, TimeProvider.GetElapsedTime(start)))
            : new ValueTask<Evaluation>(WaitForRunsAsync(slots, outcomes, pending, runStarts!, start, deadline, requestAborted));
    }

    private async Task<Evaluation> WaitForRunsAsync(
        CheckSlot[] slots,
        CheckOutcome[] outcomes,
        Task<CheckOutcome>?[] pending,
        long[] runStarts,
        long start,
        TimeSpan deadline,
        CancellationToken requestAborted)
    {
        var waits = new List<Task>(pending.Length);
        for (var i = 0; i < pending.Length; i++)
        {
            if (pending[i] is { } run)
            {
                waits.Add(WaitForRunAsync(slots[i], run, runStarts[i], start, deadline, outcomes, i, requestAborted));
            }
        }

        await Task.WhenAll(waits).ConfigureAwait(false);
        return new Evaluation(slots, outcomes, TimeProvider.GetElapsedTime(start));
    }

    private async Task WaitForRunAsync(
        CheckSlot slot,
        Task<CheckOutcome> run,
        long runStarted,
        long requestStart,
        TimeSpan deadline,
        CheckOutcome[] outcomes,
        int index,
        CancellationToken requestAborted)
    {
        // Wait no longer than the run's own timeout (a run that outlived it has been abandoned) and no longer than the
        // request's deadline. The run itself is shared and is never cancelled by a request.
        var now = TimeProvider.GetTimestamp();
        var wait = Min(slot.Policy.Timeout - TimeProvider.GetElapsedTime(runStarted, now), deadline - TimeProvider.GetElapsedTime(requestStart, now));
        if (wait > TimeSpan.Zero)
        {
            try
            {
                outcomes[index] = await run.WaitAsync(wait, TimeProvider, requestAborted).ConfigureAwait(false);
                return;
            }
            catch (TimeoutException)
            {
            }
        }

        now = TimeProvider.GetTimestamp();
        outcomes[index] = run.IsCompletedSuccessfully ? run.Result : slot.TimedOut(TimeProvider.GetElapsedTime(runStarted, now), now);
    }

    /// <summary>Runs a check once. Never throws: every failure becomes an outcome.</summary>
    internal async Task<(CheckOutcome Outcome, Exception? Exception)> ExecuteAsync(CheckSlot slot, long started)
    {
        var registration = slot.Registration;
        var includeExceptions = Options.IncludeExceptionDetails;
        using var timeout = new CancellationTokenSource(slot.Policy.Timeout, TimeProvider);
        using var stopping = _stopping.Token.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);

        HealthCheckResult result = default;
        Exception? thrown = null;
        var timedOut = false;
        try
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var check = registration.Factory(scope.ServiceProvider)
                    ?? throw new InvalidOperationException($"The factory of health check '{registration.Name}' returned null.");
                var context = new HealthCheckContext { Registration = slot.ContextRegistration };
                result = await check.CheckHealthAsync(context, timeout.Token).ConfigureAwait(false);
            }

            // A check that catches its own cancellation usually reports "A task was canceled"; say what happened.
            timedOut = timeout.IsCancellationRequested && result.Status != HealthStatus.Healthy;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            timedOut = true;
        }
#pragma warning disable CA1031 // Whatever a check throws becomes its failure status, never a 500.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            thrown = ex;
        }

        var end = TimeProvider.GetTimestamp();
        var duration = TimeProvider.GetElapsedTime(started, end);
        var producedAt = TimeProvider.GetUtcNow();
        var failure = registration.FailureStatus;

        if (timedOut)
        {
            Log.CheckTimedOut(_logger, registration.Name, duration.TotalMilliseconds);
            return (new CheckOutcome(failure, TimedOutDescription, duration, producedAt, end, []), null);
        }

        if (thrown is not null)
        {
            return (new CheckOutcome(
                failure,
                ResultSanitizer.DescribeException(thrown),
                duration,
                producedAt,
                end,
                [],
                includeExceptions ? ResultSanitizer.Redact(thrown.Message) : null), thrown);
        }

        if (!Enum.IsDefined(result.Status))
        {
            return (new CheckOutcome(failure, "check returned an invalid status", duration, producedAt, end, []), null);
        }

        return (new CheckOutcome(
            result.Status,
            ResultSanitizer.SafeDescription(result.Description, result.Exception, includeExceptions),
            duration,
            producedAt,
            end,
            ResultSanitizer.SanitizeData(result.Data),
            includeExceptions && result.Exception is not null ? ResultSanitizer.Redact(result.Exception.Message) : null), result.Exception);
    }

    internal void OnRunCompleted(CheckSlot slot, CheckOutcome? previous, CheckOutcome outcome, Exception? exception)
    {
        // Starting and shutting down are expected states, not errors.
        var level = slot.IsLifecycle ? LogLevel.Information : Log.LevelFor(outcome.Status);
        if (previous?.Status != outcome.Status && (previous is not null || outcome.Status != HealthStatus.Healthy))
        {
            if (_logger.IsEnabled(level))
            {
                Log.CheckStatusChanged(
                    _logger,
                    level,
                    exception,
                    slot.Name,
                    previous is null ? Log.Unknown : Log.StatusNames[(int)previous.Status],
                    outcome.Status,
                    outcome.Description);
            }
        }
        else if (exception is not null)
        {
            Log.CheckFailed(_logger, exception, slot.Name, outcome.Status);
        }
    }

    private CheckOutcome NoResultYet(long now) => new(
        HealthStatus.Unhealthy,
        NoResultYetDescription,
        TimeSpan.Zero,
        TimeProvider.GetUtcNow(),
        now,
        []);

    private static EffectivePolicy ResolvePolicy(HealthCheckRegistration registration, HealthKitOptions options)
    {
        var defaults = options.Defaults;
        options.Checks.TryGetValue(registration.Name, out var own);

        var timeout = own?.Timeout
            ?? (registration.Timeout > TimeSpan.Zero && registration.Timeout != System.Threading.Timeout.InfiniteTimeSpan ? (TimeSpan?)registration.Timeout : null)
            ?? defaults.Timeout!.Value;

        // A check can never outlast the shortest deadline of an endpoint that runs it.
        foreach (var endpoint in options.Endpoints.All)
        {
            if (endpoint.Enabled && (string.IsNullOrEmpty(endpoint.Tag) || registration.Tags.Contains(endpoint.Tag)) && endpoint.Deadline < timeout)
            {
                timeout = endpoint.Deadline;
            }
        }

        return new EffectivePolicy(
            timeout,
            own?.CacheTtl ?? defaults.CacheTtl!.Value,
            own?.FailureCacheTtl ?? defaults.FailureCacheTtl!.Value,
            own?.Mode ?? defaults.Mode ?? HealthCheckMode.OnDemand,
            own?.Period ?? defaults.Period ?? registration.Period ?? DefaultPeriod,
            own?.UnhealthyAfterFailures ?? defaults.UnhealthyAfterFailures,
            own?.UnhealthyAfterDuration ?? defaults.UnhealthyAfterDuration);
    }

    /// <summary>The period of <c>HealthCheckPublisherOptions</c>, used when nothing else sets one.</summary>
    private static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(30);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Cancels every run still in flight. The source is not disposed: a run may still register on it.</summary>
    public void Dispose() => _stopping.Cancel();
}
