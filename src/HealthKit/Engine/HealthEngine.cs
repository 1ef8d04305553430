using System.Diagnostics.Metrics;
using HealthKit.Internal;
using HealthKit.Lifecycle;
using HealthKit.Listeners;
using HealthKit.Redaction;
using HealthKit.Telemetry;
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
    internal const string TimedOutDescription = CheckSlot.TimedOutDescription;

    private readonly CancellationTokenSource _stopping = new();
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly Dictionary<string, CheckSlot> _byName;
    private readonly List<(FixedPolicyCheck Declaration, CheckSlot Slot)>? _alwaysOn;
    private readonly Dictionary<HealthCheckRegistration, FixedPolicyCheck> _declared;
    private long _answerVersion;

    public HealthEngine(
        IOptions<HealthCheckServiceOptions> checks,
        IOptions<HealthKitOptions> options,
        IServiceScopeFactory scopes,
        TimeProvider timeProvider,
        HealthKitAvailability availability,
        IEnumerable<FixedPolicyCheck> fixedPolicies,
        HealthStatusNotifier notifier,
        ILogger<HealthEngine> logger,
        IMeterFactory? meterFactory = null)
    {
        _scopes = scopes;
        Notifier = notifier;
        _logger = logger;
        TimeProvider = timeProvider;
        Availability = availability;
        Options = options.Value;
        Redaction = SecretRedactor.From(Options.Redaction);
        StartedTimestamp = timeProvider.GetTimestamp();

        var registrations = checks.Value.Registrations;
        // HealthCheckRegistration compares by reference: a declaration matches the registration it was made with, never
        // another check of the same name.
        var declared = _declared = fixedPolicies.ToDictionary(check => check.Registration);
        _byName = new Dictionary<string, CheckSlot>(registrations.Count, StringComparer.OrdinalIgnoreCase);
        var slots = new List<CheckSlot>(registrations.Count);
        foreach (var registration in registrations)
        {
            if (CheckNames.Problem(registration.Name) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }

            if (_byName.ContainsKey(registration.Name))
            {
                throw new InvalidOperationException(
                    $"Two health checks are registered with the name '{registration.Name}'. Check names must be unique (case-insensitive); give one of them another name.");
            }

            var fixedPolicy = declared.GetValueOrDefault(registration);
            var slot = new CheckSlot(this, slots.Count, registration, ResolvePolicy(registration, fixedPolicy, Options, Options.Endpoints));
            _byName.Add(registration.Name, slot);
            slots.Add(slot);
            if (fixedPolicy is not null)
            {
                (_alwaysOn ??= []).Add((fixedPolicy, slot));
            }
        }

        Slots = [.. slots];
        if (CheckOverrides(Options) is { Count: > 0 } errors)
        {
            throw new InvalidOperationException(errors[0]);
        }

        if (CheckMaxAges(Options, [.. Slots.Select(slot => slot.Policy)]) is { Count: > 0 } ageErrors)
        {
            throw new InvalidOperationException(ageErrors[0]);
        }

        WarnCappedRegistrationTimeouts();
        Endpoints = new EndpointStatusTracker(this, Options.Endpoints.All, logger);
        Availability.Changed += OnAvailabilityChanged;
        var meter = meterFactory?.Create(new MeterOptions(HealthKitTelemetry.MeterName) { Version = typeof(HealthEngine).Assembly.GetName().Version?.ToString() });
        Telemetry = new RunTelemetry(this, meter, logger);

        // Startup validation names the key of an out-of-range value; a host that skips it still gets a working scheduler.
        Scheduler = new CheckScheduler(Math.Clamp(Options.CheckThreads, 1, HealthKitOptionsValidator.MaxCheckThreads), timeProvider, logger);
        if (meter is not null)
        {
            Scheduler.AddMetrics(meter);
        }
    }

    /// <summary>The dedicated threads check runs start on; see <see cref="HealthKitOptions.CheckThreads"/>.</summary>
    internal CheckScheduler Scheduler { get; }

    /// <summary>
    /// A number that changes after anything that can change an answer's bytes, other than time and the application's
    /// state (<see cref="HealthKitAvailability"/> has its own version): a result stored, or a policy put in force. Read
    /// before an evaluation, it tells a rendered answer whether it still holds; it is raised after the change is
    /// written, so whoever reads the new number also reads the change.
    /// </summary>
    internal long AnswerVersion => Volatile.Read(ref _answerVersion);

    /// <summary>Raises <see cref="AnswerVersion"/>; called after a result or a policy has been written.</summary>
    internal void AnswerInputChanged() => Interlocked.Increment(ref _answerVersion);

    /// <summary>Raised after <see cref="ApplyPolicies"/> has put new policies in force.</summary>
    public event Action? PoliciesChanged;

    public TimeProvider TimeProvider { get; }

    public HealthKitAvailability Availability { get; }

    public HealthKitOptions Options { get; }

    /// <summary>The redaction boundary with the application's own secret words and patterns.</summary>
    internal SecretRedactor Redaction { get; }

    public long StartedTimestamp { get; }

    /// <summary>Where status changes go for the <see cref="IHealthStatusListener"/>s, checks' and endpoints' alike.</summary>
    public HealthStatusNotifier Notifier { get; }

    public CheckSlot[] Slots { get; }

    /// <summary>Every enabled endpoint's status, kept current as results, policies and availability change.</summary>
    public EndpointStatusTracker Endpoints { get; }

    /// <summary>Spans, metrics and slow-run warnings about the runs.</summary>
    internal RunTelemetry Telemetry { get; }

    public CheckSlot? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Cancelled when the engine is disposed; every run's token is linked to it.</summary>
    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>
    /// The checks an endpoint runs: those carrying its tag (every check when it has none), plus the lifecycle checks that
    /// declare they always run on it, whatever its tag.
    /// </summary>
    public CheckSlot[] SlotsFor(HealthEndpointOptions endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return [.. Slots.Where(slot =>
            string.IsNullOrEmpty(endpoint.Tag)
            || slot.Registration.Tags.Contains(endpoint.Tag)
            || _alwaysOn?.Exists(pair => pair.Slot == slot && pair.Declaration.AlwaysOnEndpoints.Contains(endpoint.Key, StringComparer.Ordinal)) == true)];
    }

    /// <summary>
    /// The policies <paramref name="options"/> would put in force, one per slot, or the reasons it cannot: an override of
    /// a check that is not registered, or of a lifecycle check's fixed policy. Endpoint deadlines are read from the options
    /// the engine started with, because endpoints are mapped once.
    /// </summary>
    internal EffectivePolicy[]? ResolvePolicies(HealthKitOptions options, out IReadOnlyList<string> errors)
    {
        errors = CheckOverrides(options);
        if (errors.Count > 0)
        {
            return null;
        }

        var policies = new EffectivePolicy[Slots.Length];
        for (var i = 0; i < Slots.Length; i++)
        {
            var registration = Slots[i].Registration;
            policies[i] = ResolvePolicy(registration, _declared.GetValueOrDefault(registration), options, Options.Endpoints);
        }

        errors = CheckMaxAges(options, policies);
        return errors.Count > 0 ? null : policies;
    }

    /// <summary>
    /// Puts <paramref name="policies"/> (from <see cref="ResolvePolicies"/>) in force: each slot's policy is swapped whole,
    /// for the next request; runs in flight finish under the policy they started with.
    /// </summary>
    /// <returns>The names of the checks whose policy changed.</returns>
    internal List<string> ApplyPolicies(EffectivePolicy[] policies)
    {
        var changed = new List<string>();
        for (var i = 0; i < Slots.Length; i++)
        {
            var slot = Slots[i];
            if (!slot.IsLifecycle && slot.Policy != policies[i])
            {
                slot.SetPolicy(policies[i]);
                changed.Add(slot.Name);
            }
        }

        // Stryker disable once Equality : woken with no policy changed, each background loop keeps its period and due time
        if (changed.Count > 0)
        {
            Endpoints.Refresh();
            PoliciesChanged?.Invoke();
        }

        return changed;
    }

    /// <summary>
    /// A maximum age that is set must leave room for a run: longer than the check's timeout, and for a Background check
    /// longer than its period (lengthened by the jitter) plus its timeout, or every result would go stale before the next.
    /// </summary>
    private List<string> CheckMaxAges(HealthKitOptions options, EffectivePolicy[] policies)
    {
        var errors = new List<string>();
        for (var i = 0; i < Slots.Length; i++)
        {
            var name = Slots[i].Name;
            var policy = policies[i];
            options.Checks.TryGetValue(name, out var own);
            if (policy.Fixed || policy.MaxAge is not { } maxAge || (own?.MaxAge ?? options.Defaults.MaxAge) is null)
            {
                continue;
            }

            var key = own?.MaxAge is not null ? ConfigurationBinding.CheckKey(name) + ":" + nameof(HealthCheckPolicy.MaxAge) : HealthKitOptions.SectionName + ":Defaults:" + nameof(HealthCheckPolicy.MaxAge);
            var background = policy.Mode == HealthCheckMode.Background;
            var least = background ? (policy.Period * (1 + HealthKitOptionsValidator.PeriodJitter)) + policy.Timeout : policy.Timeout;
            if (maxAge <= least)
            {
                errors.Add(background
                    ? $"The configuration key '{key}' ({maxAge}) must be longer than the period of health check '{name}' with its 10% jitter plus its timeout ({least}); otherwise its results go stale before the next run. Raise {nameof(HealthCheckPolicy.MaxAge)} (three periods is a good start) or shorten the period."
                    : $"The configuration key '{key}' ({maxAge}) must be longer than the timeout of health check '{name}' ({least}). Raise {nameof(HealthCheckPolicy.MaxAge)}.");
            }
        }

        return errors;
    }

    private List<string> CheckOverrides(HealthKitOptions options)
    {
        var errors = new List<string>();
        foreach (var (name, policy) in options.Checks)
        {
            if (!_byName.TryGetValue(name, out var slot))
            {
                errors.Add(
                    $"The configuration key '{ConfigurationBinding.CheckKey(name)}' names no registered health check. Registered checks: {string.Join(", ", _byName.Keys.Order(StringComparer.OrdinalIgnoreCase))}.");
                continue;
            }

            if (slot.IsLifecycle && policy is not null && SetProperties(policy) is { Count: > 0 } set)
            {
                errors.Add(
                    $"The configuration key{(set.Count > 1 ? "s" : string.Empty)} {string.Join(", ", set.Select(property => $"'{ConfigurationBinding.CheckKey(slot.Name)}:{property}'"))} cannot be set: '{slot.Name}' is a lifecycle check whose policy is fixed (run on every request that finds the application's state changed, never cached across a change, never damped, never in Background mode, never disabled or non-critical), so that readiness fails at the first probe after shutdown begins whatever the defaults say. Remove the key{(set.Count > 1 ? "s" : string.Empty)}.");
            }
        }

        return errors;
    }

    /// <summary>
    /// Evaluates <paramref name="slots"/> for one request, leaving out disabled checks. Completes synchronously when every
    /// result is cached.
    /// </summary>
    /// <exception cref="OperationCanceledException">The request was aborted; nothing shared is cancelled.</exception>
    public ValueTask<Evaluation> EvaluateAsync(CheckSlot[] slots, TimeSpan deadline, CancellationToken requestAborted)
    {
        var start = TimeProvider.GetTimestamp();
        slots = WithoutDisabled(slots);
        var outcomes = new CheckOutcome[slots.Length];
        Task<CheckOutcome>?[]? pending = null;

        for (var i = 0; i < slots.Length; i++)
        {
            var slot = slots[i];
            var background = slot.Policy.Mode == HealthCheckMode.Background;

            // A background check answers with its latest result, however old; the runner keeps it fresh. Until it has a
            // first one (or a first one since it was enabled again), requests join (or start) the run like any on-demand
            // check would.
            if ((background ? slot.Current : slot.TryGetFresh(start)) is { } ready)
            {
                Telemetry.Cached(slot);
                outcomes[i] = ready;
                continue;
            }

            var run = slot.GetOrStartRun(start, reuseFresh: true);
            if (run.IsCompleted)
            {
                outcomes[i] = run.Result;
                continue;
            }

            pending ??= new Task<CheckOutcome>?[slots.Length];
            pending[i] = run;
        }

        return pending is null
            ? new ValueTask<Evaluation>(new Evaluation(slots, outcomes, TimeProvider.GetElapsedTime(start)))
            : new ValueTask<Evaluation>(WaitForRunsAsync(slots, outcomes, pending, start, deadline, requestAborted));
    }

    /// <summary><paramref name="slots"/> itself when every check is enabled, so the common case allocates nothing.</summary>
    private static CheckSlot[] WithoutDisabled(CheckSlot[] slots)
    {
        foreach (var slot in slots)
        {
            if (!slot.Policy.Enabled)
            {
                return [.. slots.Where(s => s.Policy.Enabled)];
            }
        }

        return slots;
    }

    private async Task<Evaluation> WaitForRunsAsync(
        CheckSlot[] slots,
        CheckOutcome[] outcomes,
        Task<CheckOutcome>?[] pending,
        long start,
        TimeSpan deadline,
        CancellationToken requestAborted)
    {
        var waits = new List<Task>(pending.Length);
        for (var i = 0; i < pending.Length; i++)
        {
            if (pending[i] is { } run)
            {
                waits.Add(WaitForRunAsync(slots[i], run, start, deadline, outcomes, i, requestAborted));
            }
        }

        await Task.WhenAll(waits).ConfigureAwait(false);
        return new Evaluation(slots, outcomes, TimeProvider.GetElapsedTime(start));
    }

    private async Task WaitForRunAsync(
        CheckSlot slot,
        Task<CheckOutcome> run,
        long requestStart,
        TimeSpan deadline,
        CheckOutcome[] outcomes,
        int index,
        CancellationToken requestAborted)
    {
        // An on-demand run ends by its own timeout, which is never later than this deadline; should the request's timer
        // fire first, it ends the run the same way the run's timer would. The run itself is shared and never cancelled by
        // a request.
        var wait = deadline - TimeProvider.GetElapsedTime(requestStart);
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

        // A background check's first run may take longer than any deadline: this request answers without it, and the run
        // goes on to its own timeout, for the requests after it. A run still going is no failure of the check, so it is
        // reported no worse than a first failure would be (damped as one) and stored nowhere.
        outcomes[index] = slot.Policy.Mode == HealthCheckMode.Background && !run.IsCompleted
            ? slot.Pending(FailureOutcome(slot, requestStart, FirstRunPendingDescription))
            : slot.Expire(run);
    }

    /// <summary>What a request reports for a background check whose first run outlasted the request's deadline.</summary>
    internal const string FirstRunPendingDescription = TimedOutDescription + " (the first background run is still in progress)";

    /// <summary>
    /// Runs a check once and turns whatever happens into an outcome. Never throws: a faulting factory or check, a result
    /// with an invalid status, data that cannot be read, all become the check's failure status.
    /// </summary>
    internal async Task<CheckSlot.RunResult> ExecuteAsync(CheckSlot slot, HealthCheckRegistration contextRegistration, long started, CancellationToken cancellationToken)
    {
        var registration = slot.Registration;
        HealthCheckResult result;
        try
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var check = registration.Factory(scope.ServiceProvider)
                    ?? throw new InvalidOperationException($"The factory of health check '{registration.Name}' returned null.");
                var context = new HealthCheckContext { Registration = contextRegistration };
                var task = check.CheckHealthAsync(context, cancellationToken)
                    ?? throw new InvalidOperationException($"Health check '{registration.Name}' returned a null task.");
                result = await task.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new(TimedOut(slot, started), null, Cancelled: true);
        }
#pragma warning disable CA1031 // Whatever a check throws becomes its failure status, never a 500.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new(Failure(slot, started, ResultSanitizer.DescribeException(ex), Options.IncludeExceptionDetails ? ex : null), ex, Cancelled: false, Threw: true);
        }

        // A check that catches its own cancellation usually reports "A task was canceled"; say what happened.
        if (cancellationToken.IsCancellationRequested && result.Status != HealthStatus.Healthy)
        {
            return new(TimedOut(slot, started), null, Cancelled: true);
        }

        if (!Enum.IsDefined(result.Status))
        {
            return new(FailureOutcome(slot, started, "check returned an invalid status"), null, Cancelled: false);
        }

        // Reading the result runs the check's code again (lazy sequences, ToString overrides, collections another thread
        // mutates): it is part of the run, and its failure is the check's failure.
        try
        {
            var end = TimeProvider.GetTimestamp();
            var includeExceptions = Options.IncludeExceptionDetails;
            return new(
                new CheckOutcome(
                    result.Status,
                    ResultSanitizer.SafeDescription(result.Description, result.Exception, includeExceptions, Redaction),
                    TimeProvider.GetElapsedTime(started, end),
                    TimeProvider.GetUtcNow(),
                    end,
                    ResultSanitizer.SanitizeData(result.Data, Redaction, TimeProvider),
                    includeExceptions && result.Exception is not null ? ResultSanitizer.Redact(ExceptionMembers.Message(result.Exception), Redaction) : null),
                result.Exception,
                Cancelled: false);
        }
#pragma warning disable CA1031 // Unreadable data is the check's failure, never a 500.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new(FailureOutcome(slot, started, $"check returned data that could not be read ({ex.GetType().Name})"), ex, Cancelled: false, Threw: true);
        }
    }

    /// <summary>The check's failure status with <paramref name="description"/> and no data.</summary>
    internal CheckOutcome FailureOutcome(CheckSlot slot, long started, string description) => Failure(slot, started, description, exception: null);

    private CheckOutcome Failure(CheckSlot slot, long started, string description, Exception? exception)
    {
        var end = TimeProvider.GetTimestamp();
        return new CheckOutcome(
            slot.Registration.FailureStatus,
            description,
            TimeProvider.GetElapsedTime(started, end),
            TimeProvider.GetUtcNow(),
            end,
            [],
            exception is null ? null : ResultSanitizer.Redact(ExceptionMembers.Message(exception), Redaction));
    }

    private CheckOutcome TimedOut(CheckSlot slot, long started) => FailureOutcome(slot, started, TimedOutDescription);

    /// <summary>A check's latest result reached its maximum age: logged once, then published like any outcome.</summary>
    internal void OnStale(CheckSlot slot, CheckSlot.Published published, TimeSpan age)
    {
        Log.CheckStale(_logger, slot.Name, age.TotalSeconds, slot.Policy.MaxAge.GetValueOrDefault().TotalSeconds);
        OnPublished(slot, published, exception: null, timedOut: false);
    }

    /// <summary>Logs a published outcome: a status change once, at a level chosen by the new status.</summary>
    internal void OnPublished(CheckSlot slot, CheckSlot.Published published, Exception? exception, bool timedOut)
    {
        var (previous, outcome, discarded) = published;
        if (discarded)
        {
            // The check was disabled while this run was going: it says nothing, to the log or to anyone else.
            return;
        }

        if (timedOut)
        {
            Log.CheckTimedOut(_logger, slot.Name, outcome.Duration.TotalMilliseconds);
        }

        // Starting and shutting down are expected states, not errors.
        var level = slot.IsLifecycle ? LogLevel.Information : Log.LevelFor(outcome.Status);
        if (published.Changed)
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
                    outcome.Description,
                    Redaction);
            }

            Notifier.CheckChanged(slot.Name, previous?.Status, outcome.Status, outcome.Description, outcome.ProducedAt);
            Telemetry.Metrics?.StatusChanged(slot.Index, outcome.Status);
        }
        else if (exception is not null)
        {
            Log.CheckFailed(_logger, exception, slot.Name, outcome.Status, Redaction);
        }

        Endpoints.OnCheckChanged(slot);
    }

    /// <summary>
    /// The application's availability changed (started, a startup task moved on, marked ready or not, the drain began):
    /// the lifecycle checks that follow it are run at once, so that every endpoint's status, the listeners and the gauges
    /// hear of it when it happens, not at the next probe. A check nothing has asked about yet is left alone, except when
    /// readiness fails: a shutdown is announced whether or not anything probes.
    /// </summary>
    private void OnAvailabilityChanged()
    {
        var failing = Availability.ReadinessFailing;
        foreach (var slot in Slots)
        {
            if (slot.Policy.FollowsState && (failing || slot.Last is not null))
            {
                _ = slot.GetOrStartRun(TimeProvider.GetTimestamp(), reuseFresh: true);
            }
        }
    }

    private static EffectivePolicy ResolvePolicy(HealthCheckRegistration registration, FixedPolicyCheck? fixedPolicy, HealthKitOptions options, HealthKitEndpointsOptions endpoints)
    {
        var defaults = options.Defaults;
        options.Checks.TryGetValue(registration.Name, out var own);
        if (fixedPolicy is not null)
        {
            own = null;
        }

        // A registration's timeout is its own (positive) or, when it has none, InfiniteTimeSpan, which is negative.
        // Stryker disable once Equality : HealthCheckRegistration rejects a zero timeout, so > and >= agree
        TimeSpan? registered = registration.Timeout > TimeSpan.Zero ? registration.Timeout : null;
        var timeout = fixedPolicy is not null ? FixedPolicyCheck.Timeout : own?.Timeout ?? registered ?? defaults.Timeout!.Value;
        var mode = fixedPolicy is not null ? HealthCheckMode.OnDemand : own?.Mode ?? defaults.Mode ?? HealthCheckMode.OnDemand;

        // An on-demand check can never outlast the shortest deadline of an endpoint that runs it. A background run never
        // holds a probe, so its timeout is its own.
        if (mode == HealthCheckMode.OnDemand && ShortestDeadline(registration, fixedPolicy, endpoints) is { } capping && capping.Deadline < timeout)
        {
            timeout = capping.Deadline;
        }

        if (fixedPolicy is not null)
        {
            return new EffectivePolicy(
                timeout,
                fixedPolicy.CacheTtl,
                fixedPolicy.CacheTtl,
                HealthCheckMode.OnDemand,
                DefaultPeriod,
                UnhealthyAfterFailures: null,
                UnhealthyAfterDuration: null,
                Fixed: true,
                FollowsState: fixedPolicy.FollowsState)
            {
                SlowThreshold = defaults.SlowThreshold ?? timeout / 2,
            };
        }

        var period = own?.Period ?? defaults.Period ?? registration.Period ?? DefaultPeriod;
        return new EffectivePolicy(
            timeout,
            own?.CacheTtl ?? defaults.CacheTtl!.Value,
            own?.FailureCacheTtl ?? defaults.FailureCacheTtl!.Value,
            mode,
            period,
            own?.UnhealthyAfterFailures ?? defaults.UnhealthyAfterFailures,
            own?.UnhealthyAfterDuration ?? defaults.UnhealthyAfterDuration)
        {
            SlowThreshold = own?.SlowThreshold ?? defaults.SlowThreshold ?? timeout / 2,
            MaxAge = own?.MaxAge ?? defaults.MaxAge ?? (mode == HealthCheckMode.Background ? (DefaultMaxAgePeriods * period) + timeout : null),
            Enabled = own?.Enabled ?? true,
            Critical = own?.Critical ?? true,
        };
    }

    /// <summary>The enabled endpoint with the shortest deadline among those that run the check, if any runs it.</summary>
    private static HealthEndpointOptions? ShortestDeadline(HealthCheckRegistration registration, FixedPolicyCheck? fixedPolicy, HealthKitEndpointsOptions endpoints)
    {
        HealthEndpointOptions? shortest = null;
        foreach (var endpoint in endpoints.All)
        {
            // Stryker disable once Equality : at an equal deadline either endpoint caps the timeout the same
            if (endpoint.Enabled && (shortest is null || endpoint.Deadline < shortest.Deadline)
                && (string.IsNullOrEmpty(endpoint.Tag) || registration.Tags.Contains(endpoint.Tag) || fixedPolicy?.AlwaysOnEndpoints.Contains(endpoint.Key, StringComparer.Ordinal) == true))
            {
                shortest = endpoint;
            }
        }

        return shortest;
    }

    /// <summary>
    /// Warns, once at startup, about each check whose registration asked for a timeout (<c>AddCheck(..., timeout:)</c>)
    /// that the deadline of an endpoint running it cuts short: code carried over from <c>MapHealthChecks</c> that says 3 s
    /// and would silently get 800 ms.
    /// </summary>
    private void WarnCappedRegistrationTimeouts()
    {
        foreach (var slot in Slots)
        {
            var registration = slot.Registration;
            if (slot.IsLifecycle || registration.Timeout <= TimeSpan.Zero || slot.Policy.Timeout >= registration.Timeout
                || (Options.Checks.TryGetValue(registration.Name, out var own) && own?.Timeout is not null)
                || ShortestDeadline(registration, fixedPolicy: null, Options.Endpoints) is not { } endpoint)
            {
                continue;
            }

            Log.RegistrationTimeoutCapped(
                _logger,
                slot.Name,
                registration.Timeout,
                slot.Policy.Timeout,
                endpoint.Key,
                $"{HealthKitOptions.SectionName}:{nameof(HealthKitOptions.Endpoints)}:{endpoint.Key}:{nameof(HealthEndpointOptions.Deadline)}",
                $"{ConfigurationBinding.CheckKey(slot.Name)}:{nameof(HealthCheckPolicy.Mode)}");
        }
    }

    /// <summary>The names of the properties an override sets.</summary>
    private static List<string> SetProperties(HealthCheckPolicy policy)
    {
        var set = new List<string>();
        Add(nameof(HealthCheckPolicy.Timeout), policy.Timeout);
        Add(nameof(HealthCheckPolicy.CacheTtl), policy.CacheTtl);
        Add(nameof(HealthCheckPolicy.FailureCacheTtl), policy.FailureCacheTtl);
        Add(nameof(HealthCheckPolicy.Mode), policy.Mode);
        Add(nameof(HealthCheckPolicy.Period), policy.Period);
        Add(nameof(HealthCheckPolicy.UnhealthyAfterFailures), policy.UnhealthyAfterFailures);
        Add(nameof(HealthCheckPolicy.UnhealthyAfterDuration), policy.UnhealthyAfterDuration);
        Add(nameof(HealthCheckPolicy.SlowThreshold), policy.SlowThreshold);
        Add(nameof(HealthCheckPolicy.MaxAge), policy.MaxAge);
        Add(nameof(HealthCheckPolicy.Enabled), policy.Enabled);
        Add(nameof(HealthCheckPolicy.Critical), policy.Critical);
        return set;

        void Add(string name, object? value)
        {
            if (value is not null)
            {
                set.Add(name);
            }
        }
    }

    /// <summary>A Background check's default maximum age, in periods (plus its timeout): two missed runs are tolerated.</summary>
    private const int DefaultMaxAgePeriods = 3;

    /// <summary>The period of <c>HealthCheckPublisherOptions</c>, used when nothing else sets one.</summary>
    private static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(30);

    /// <summary>Cancels every run still in flight. The source is not disposed: a run may still register on it.</summary>
    public void Dispose()
    {
        Availability.Changed -= OnAvailabilityChanged;
        foreach (var slot in Slots)
        {
            slot.StopTimers();
        }

        _stopping.Cancel();
        Scheduler.Dispose();
    }
}
