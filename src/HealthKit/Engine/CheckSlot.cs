using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Engine;

/// <summary>
/// The engine's state for one registered check: its latest result, and the one run that may be in flight.
/// </summary>
/// <remarks>
/// Readers take no lock: a fresh cached result is a volatile read. The lock is taken only to start a run or to publish
/// its result, so concurrent requests coalesce onto one run, and a run that ignores its cancellation token is never
/// started a second time while it is still going.
/// </remarks>
internal sealed class CheckSlot
{
    private readonly Lock _gate = new();
    private readonly HealthEngine _engine;
    private readonly Func<int>? _stateVersion;
    private CheckOutcome? _last;
    private Task<CheckOutcome>? _inFlight;
    private long _runStarted;

    public CheckSlot(HealthEngine engine, HealthCheckRegistration registration, EffectivePolicy policy, Func<int>? stateVersion = null)
    {
        _engine = engine;
        _stateVersion = stateVersion;
        Registration = registration;
        Policy = policy;
        Name = registration.Name;
        EncodedName = JsonEncodedText.Encode(registration.Name, Endpoints.JsonReportWriter.Encoder);
        Tags = [.. registration.Tags.Order(StringComparer.OrdinalIgnoreCase)];

        // Checks see their effective timeout through the context, so that drivers with their own connect and command
        // timeouts (which ignore the token once connected) can be told the same deadline.
        ContextRegistration = new HealthCheckRegistration(
            registration.Name, registration.Factory, registration.FailureStatus, registration.Tags, policy.Timeout)
        {
            Delay = registration.Delay,
            Period = registration.Period,
        };
    }

    public string Name { get; }

    public JsonEncodedText EncodedName { get; }

    public string[] Tags { get; }

    public HealthCheckRegistration Registration { get; }

    public HealthCheckRegistration ContextRegistration { get; }

    public EffectivePolicy Policy { get; }

    public CheckOutcome? Last => Volatile.Read(ref _last);

    /// <summary>Whether this is one of the built-in lifecycle checks, whose result follows the application's state.</summary>
    public bool IsLifecycle => _stateVersion is not null;

    /// <summary>The latest result if its time-to-live has not run out at <paramref name="now"/>.</summary>
    public CheckOutcome? TryGetFresh(long now)
    {
        var last = Volatile.Read(ref _last);
        if (last is null)
        {
            return null;
        }

        if (_stateVersion is not null)
        {
            return last.StateVersion == _stateVersion() ? last : null;
        }

        var ttl = last.Status == HealthStatus.Healthy ? Policy.CacheTtl : Policy.FailureCacheTtl;
        return ttl > TimeSpan.Zero && _engine.TimeProvider.GetElapsedTime(last.ProducedTimestamp, now) < ttl ? last : null;
    }

    /// <summary>The run in flight, or a new one if none is.</summary>
    public Task<CheckOutcome> GetOrStartRun(out long runStarted) => GetOrStartRun(freshAt: null, out runStarted);

    /// <summary>
    /// For a request that found the latest result stale at <paramref name="freshAt"/>: the run in flight, a result that
    /// another run published since (completed), or a new run.
    /// </summary>
    public Task<CheckOutcome> GetOrStartRun(long? freshAt, out long runStarted)
    {
        lock (_gate)
        {
            if (_inFlight is { } running)
            {
                runStarted = _runStarted;
                return running;
            }

            // Between the caller's lock-free read and this lock another request's run may have finished; starting a
            // second one would run the check twice back to back.
            if (freshAt is { } now && TryGetFresh(now) is { } published)
            {
                runStarted = published.ProducedTimestamp;
                return Task.FromResult(published);
            }

            var started = _engine.TimeProvider.GetTimestamp();
            _runStarted = runStarted = started;

            // Task.Run keeps a check that blocks its thread off the request's thread. Publishing the result takes this
            // lock, so it cannot happen before _inFlight is set below.
            var run = Task.Run(() => RunAsync(started));
            _inFlight = run;
            return run;
        }
    }

    /// <summary>Whether a run is in flight and has outlived its timeout; it has then been abandoned.</summary>
    public bool TryGetOverdueRun(long now, out TimeSpan elapsed)
    {
        lock (_gate)
        {
            if (_inFlight is not null)
            {
                elapsed = _engine.TimeProvider.GetElapsedTime(_runStarted, now);
                return elapsed >= Policy.Timeout;
            }
        }

        elapsed = default;
        return false;
    }

    /// <summary>The outcome reported to a request that stopped waiting for a run.</summary>
    public CheckOutcome TimedOut(TimeSpan elapsed, long now) => new(
        Registration.FailureStatus,
        HealthEngine.TimedOutDescription,
        elapsed,
        _engine.TimeProvider.GetUtcNow(),
        now,
        []);

    private async Task<CheckOutcome> RunAsync(long started)
    {
        // Read before the run: if the state changes during it, the next request sees a newer version and runs again.
        var version = _stateVersion?.Invoke() ?? 0;
        var (raw, exception) = await _engine.ExecuteAsync(this, started).ConfigureAwait(false);
        CheckOutcome? previous;
        CheckOutcome outcome;
        lock (_gate)
        {
            previous = _last;
            outcome = Damp(previous, raw);
            outcome.StateVersion = version;
            Volatile.Write(ref _last, outcome);
            _inFlight = null;
        }

        _engine.OnRunCompleted(this, previous, outcome, exception);
        return outcome;
    }

    private CheckOutcome Damp(CheckOutcome? previous, CheckOutcome raw)
    {
        if (raw.Status != HealthStatus.Unhealthy)
        {
            return raw;
        }

        var count = (previous?.ConsecutiveFailures ?? 0) + 1;
        var since = previous is { ConsecutiveFailures: > 0 } ? previous.FailingSinceTimestamp : raw.ProducedTimestamp;
        var status = HealthStatus.Unhealthy;
        var description = raw.Description;
        var data = raw.Data;

        if (Policy.Damped)
        {
            var failingFor = _engine.TimeProvider.GetElapsedTime(since, raw.ProducedTimestamp);
            var byCount = Policy.UnhealthyAfterFailures is > 1 and var limit && count >= limit;
            var byTime = Policy.UnhealthyAfterDuration is { } window && window > TimeSpan.Zero && failingFor >= window;
            if (!byCount && !byTime)
            {
                status = HealthStatus.Degraded;
                var of = Policy.UnhealthyAfterFailures is > 1 and var n ? " of " + n.ToString(CultureInfo.InvariantCulture) : string.Empty;
                description = string.Create(CultureInfo.InvariantCulture, $"failing ({count}{of}): {raw.Description}");
            }

            data = [.. raw.Data, new("consecutiveFailures", count)];
        }

        return new CheckOutcome(status, description, raw.Duration, raw.ProducedAt, raw.ProducedTimestamp, data, raw.ExceptionMessage, count, since);
    }
}
