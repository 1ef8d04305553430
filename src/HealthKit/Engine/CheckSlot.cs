using System.Diagnostics;
using System.Globalization;
using HealthKit.History;
using HealthKit.Listeners;
using HealthKit.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Engine;

/// <summary>
/// The engine's state for one registered check: its latest result, the one run that may be in flight, and a run that
/// outlived its timeout and still holds whatever it was waiting on.
/// </summary>
/// <remarks>
/// <para>
/// Readers take no lock: a fresh cached result is a volatile read. The lock is taken to start a run and to end one, so
/// concurrent requests coalesce onto one run.
/// </para>
/// <para>
/// A run ends exactly once, by whichever comes first: the check returning, or its timeout (the run's own timer, or a
/// request whose deadline came). Either way the outcome goes through <see cref="Publish"/>: damped, stored and logged
/// once. A check that ignores its token is abandoned at its timeout and never started a second time while it is still
/// going; requests in the meantime get a failure that says so, which counts towards damping like any other. When the
/// abandoned check finally returns, its late result is published.
/// </para>
/// </remarks>
internal sealed class CheckSlot
{
    internal const string TimedOutDescription = "timed out";

    private readonly Lock _gate = new();
    private readonly Lock _announceGate = new();
    private readonly Queue<Announcement> _unannounced = new();
    private readonly HealthEngine _engine;
    private CheckOutcome? _last;
    private Run? _current;
    private Run? _abandoned;
    private Settings _settings;
    private int _epoch;
    private ITimer? _staleTimer;
    private CheckOutcome? _announced;

    public CheckSlot(HealthEngine engine, int index, HealthCheckRegistration registration, EffectivePolicy policy)
    {
        _engine = engine;
        Index = index;
        Registration = registration;
        Name = registration.Name;
        Tags = [.. registration.Tags.Order(StringComparer.OrdinalIgnoreCase)];
        _settings = new Settings(registration, policy);
        History = new CheckHistory(engine.Options.History.Capacity, engine.Options.History.Window, engine.TimeProvider, engine.Redaction);
    }

    /// <summary>The check's latest status changes, recorded as each is decided, under the lock.</summary>
    public CheckHistory History { get; }

    /// <summary>The slot's position in <see cref="HealthEngine.Slots"/>.</summary>
    public int Index { get; }

    public string Name { get; }

    /// <summary>The registration's tags, sorted.</summary>
    public string[] Tags { get; }

    public HealthCheckRegistration Registration { get; }

    public HealthCheckRegistration ContextRegistration => Volatile.Read(ref _settings).Context;

    /// <summary>
    /// The policy in force. A reload swaps it whole; a run reads it once when it starts and finishes under it, so a
    /// request never sees a run timed, damped or told its timeout by a mix of two policies.
    /// </summary>
    public EffectivePolicy Policy => Volatile.Read(ref _settings).Policy;

    /// <summary>Puts <paramref name="policy"/> in force for the next request and the next run.</summary>
    /// <exception cref="InvalidOperationException">The slot is a lifecycle check, whose policy is fixed.</exception>
    internal void SetPolicy(EffectivePolicy policy)
    {
        if (IsLifecycle)
        {
            throw new InvalidOperationException($"The policy of the lifecycle check '{Name}' is fixed.");
        }

        lock (_gate)
        {
            var enabled = Policy.Enabled;
            Volatile.Write(ref _settings, new Settings(Registration, policy));

            // Written after the policy, so that whoever reads a new epoch also reads the policy that made it.
            if (enabled != policy.Enabled)
            {
                Interlocked.Increment(ref _epoch);
            }

            ArmStaleTimer();
            _engine.AnswerInputChanged();
        }
    }

    /// <summary>
    /// A number that changes each time the check is disabled or enabled. A result belongs to the epoch its run started
    /// in; only a result of the current epoch is <see cref="Current"/>, so that a check enabled again is run again before
    /// anything reports it, and a run that started before a disable publishes nothing.
    /// </summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>The latest result, whatever its epoch: what a listener last heard about the check.</summary>
    public CheckOutcome? Last => Volatile.Read(ref _last);

    /// <summary>
    /// The latest result whose change has been handed to the log and the listeners, set by
    /// <see cref="EndpointStatusTracker"/> under its lock: endpoint statuses are computed from it, so an endpoint's change
    /// is never queued before the change of the check that caused it.
    /// </summary>
    internal CheckOutcome? Announced
    {
        get => Volatile.Read(ref _announced);
        set => Volatile.Write(ref _announced, value);
    }

    /// <summary>
    /// The latest result if it was produced since the check was last enabled, and the check is enabled; otherwise
    /// <see langword="null"/>. What every aggregate (endpoint status, gauges) reads.
    /// </summary>
    public CheckOutcome? Current => Volatile.Read(ref _last) is { } last && last.Epoch == Epoch && Policy.Enabled ? last : null;

    /// <summary>A snapshot of the run state, for diagnostics: a run in flight, and a check abandoned at its timeout.</summary>
    internal (bool Running, bool Abandoned) RunState
    {
        get
        {
            lock (_gate)
            {
                return (_current is not null, _abandoned is not null);
            }
        }
    }

    /// <summary>Whether this is one of the built-in lifecycle checks, whose policy is fixed.</summary>
    public bool IsLifecycle => Policy.Fixed;

    /// <summary>The latest result if it may still be reused at <paramref name="now"/>.</summary>
    public CheckOutcome? TryGetFresh(long now)
    {
        var last = Volatile.Read(ref _last);
        if (last is null || last.Epoch != Epoch)
        {
            return null;
        }

        var policy = Policy;
        if (policy.FollowsState)
        {
            return last.StateVersion == _engine.Availability.Version ? last : null;
        }

        var ttl = last.Status == HealthStatus.Healthy ? policy.CacheTtl : policy.FailureCacheTtl;
        return ttl > TimeSpan.Zero && _engine.TimeProvider.GetElapsedTime(last.ProducedTimestamp, now) < ttl ? last : null;
    }

    /// <summary>
    /// The run a caller should wait for: the one in flight, a result published since <paramref name="started"/> (when
    /// <paramref name="reuseFresh"/>), or a new run whose timeout counts from <paramref name="started"/>, the moment the
    /// request that starts it began, so that the request's deadline and the run's timeout share one clock start.
    /// </summary>
    /// <remarks>The returned task never faults: every failure is an outcome.</remarks>
    public Task<CheckOutcome> GetOrStartRun(long started, bool reuseFresh)
    {
        Run? run = null;
        Published published = default;
        CheckOutcome? refused = null;
        lock (_gate)
        {
            if (_current is { } current)
            {
                if (reuseFresh)
                {
                    _engine.Telemetry.Joined(this);
                }

                return current.Completion.Task;
            }

            // Between the caller's lock-free read and this lock another request's run may have finished; starting a
            // second one would run the check twice back to back.
            if (reuseFresh && TryGetFresh(started) is { } fresh)
            {
                return Task.FromResult(fresh);
            }

            if (_abandoned is { } hung)
            {
                // The abandoned run still holds whatever it waits on; a second one would pile onto the same dependency.
                var now = _engine.TimeProvider.GetTimestamp();
                var runningFor = _engine.TimeProvider.GetElapsedTime(hung.Started, now);
                refused = TimedOutResult(
                    string.Create(CultureInfo.InvariantCulture, $"{TimedOutDescription} (the previous run has not returned after {runningFor.TotalSeconds:0.0} s)"),
                    runningFor,
                    now);
                published = Publish(Policy, refused, _engine.Availability.Version, Epoch);
                QueueAnnouncement(published, exception: null, timedOut: true);
            }
            else
            {
                run = new Run(this, started, _engine.Availability.Version, Epoch, Volatile.Read(ref _settings));
                _current = run;
            }
        }

        if (run is not null)
        {
            run.Activity = _engine.Telemetry.StartRun(this, out var previous);
            run.Start();
            if (run.Activity is not null)
            {
                Activity.Current = previous;
            }

            return run.Completion.Task;
        }

        Announce();
        _engine.Telemetry.EndRun(this, activity: null, RunEnd.Abandoned, refused!, published.Outcome, exception: null);
        return Task.FromResult(published.Outcome);
    }

    /// <summary>
    /// Ends <paramref name="run"/> as timed out if it has not ended yet, and returns the outcome it ended with. Called by
    /// the run's own timer and by a request whose deadline came first; whichever is first decides, once.
    /// </summary>
    public CheckOutcome Expire(Task<CheckOutcome> run)
    {
        if (run.AsyncState is not Run expired)
        {
            // Only a run's own task can be pending; any other is a result that was complete when handed out.
            return run.Result;
        }

        Published published;
        CheckOutcome raw;
        lock (_gate)
        {
            if (expired.Ended)
            {
                return expired.Outcome!;
            }

            expired.Ended = true;
            _current = null;

            // The check has not returned: it would have ended the run under this lock.
            _abandoned = expired;

            var now = _engine.TimeProvider.GetTimestamp();
            raw = TimedOutResult(TimedOutDescription, _engine.TimeProvider.GetElapsedTime(expired.Started, now), now);
            published = Publish(expired.Settings.Policy, raw, expired.Version, expired.Epoch);
            QueueAnnouncement(published, exception: null, timedOut: true);
            expired.Outcome = published.Outcome;
            expired.DisposeTimer();
        }

        try
        {
            Announce();
            _engine.Telemetry.EndRun(this, expired.Activity, RunEnd.TimedOut, raw, published.Outcome, exception: null);
        }
        finally
        {
            // A logger that throws must not leave every waiting request to its deadline.
            expired.Completion.SetResult(published.Outcome);
        }

        // Cancelling runs the check's callbacks inline, and a driver's cancellation can block for seconds (Npgsql sends
        // a cancel request to the very server that stopped answering): never on the thread of a waiting request or timer.
        // Stryker disable once Boolean : which thread-pool queue takes the cancellation is not observable
        ThreadPool.UnsafeQueueUserWorkItem(static run => run.Cancel(), expired, preferLocal: false);
        return published.Outcome;
    }

    /// <summary>Called once when the check itself has returned (or thrown), whether or not the run already ended.</summary>
    private void OnCheckReturned(Run run, in RunResult result)
    {
        run.Dispose();
        Published published;
        var ends = false;
        lock (_gate)
        {
            run.DisposeTimer();
            if (ReferenceEquals(_abandoned, run))
            {
                _abandoned = null;
            }

            if (!run.Ended)
            {
                run.Ended = ends = true;
                _current = null;
                published = Publish(run.Settings.Policy, result.Outcome, run.Version, run.Epoch);
                QueueAnnouncement(published, result.Exception, result.Cancelled);
                run.Outcome = published.Outcome;
            }
            else if (!result.Cancelled)
            {
                // The run was abandoned at its timeout and has now returned: its late result is the latest news.
                published = Publish(run.Settings.Policy, result.Outcome, run.Version, run.Epoch);
                QueueAnnouncement(published, result.Exception, result.Cancelled);
            }
            else
            {
                // It honoured the cancellation of a run that had already ended: nothing new to report.
                return;
            }
        }

        // The log line comes before the answer, so that whoever sees the new status can find why in the log; the answer
        // comes whatever a logger throws.
        try
        {
            Announce();
            if (ends)
            {
                _engine.Telemetry.EndRun(
                    this,
                    run.Activity,
                    result.Cancelled ? RunEnd.TimedOut : result.Threw ? RunEnd.Threw : RunEnd.Returned,
                    result.Outcome,
                    published.Outcome,
                    result.Exception);
            }
        }
        finally
        {
            if (ends)
            {
                run.Completion.SetResult(published.Outcome);
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="published"/> to be logged, told to the listeners and counted in its endpoints, in the order
    /// outcomes were published. Under the lock. A discarded outcome is not news.
    /// </summary>
    private void QueueAnnouncement(in Published published, Exception? exception, bool timedOut, TimeSpan? staleAge = null)
    {
        if (!published.Discarded)
        {
            _unannounced.Enqueue(new Announcement(published, exception, timedOut, staleAge));
        }
    }

    /// <summary>
    /// Announces every published outcome not yet announced, oldest first, whoever published it. Outcomes are published
    /// under the lock but announced outside it (a logger must not hold up the probes), so two publishers (a run's
    /// timeout and the next run, or an abandoned run returning) could otherwise announce in the opposite order and leave
    /// the listeners' last word for the check at the older status.
    /// </summary>
    private void Announce()
    {
        lock (_announceGate)
        {
            while (true)
            {
                Announcement next;
                lock (_gate)
                {
                    if (!_unannounced.TryDequeue(out next))
                    {
                        return;
                    }
                }

                if (next.StaleAge is { } age)
                {
                    _engine.OnStale(this, next.Published, age);
                }
                else
                {
                    _engine.OnPublished(this, next.Published, next.Exception, next.TimedOut);
                }
            }
        }
    }

    /// <summary>
    /// Damps a raw outcome, stores it as the latest, and returns it with the one it replaced. Under the lock. A run that
    /// started before the check was disabled (or disabled and enabled again) stores nothing: its outcome goes to the
    /// callers that waited for it, and nowhere else.
    /// </summary>
    private Published Publish(EffectivePolicy policy, CheckOutcome raw, int stateVersion, int epoch)
    {
        var previous = _last;
        var outcome = Damp(policy, previous, raw);
        outcome.StateVersion = stateVersion;
        outcome.Epoch = epoch;
        if (epoch != _epoch || !Policy.Enabled)
        {
            return new Published(previous, outcome, Discarded: true);
        }

        var published = Store(previous, outcome);
        ArmStaleTimer();
        return published;
    }

    /// <summary>
    /// Makes <paramref name="outcome"/> the latest result and decides, once, whether it changed the check's status; a
    /// change is recorded in <see cref="History"/> here, and logged and announced from what this returns. Under the lock,
    /// so the history's order is the order results were stored in; the change is recorded before the result is stored,
    /// so whoever reads the new result and then the history finds the change there.
    /// </summary>
    private Published Store(CheckOutcome? previous, CheckOutcome outcome)
    {
        var changed = HealthStatusNotifier.IsChange(previous?.Status, outcome.Status);
        if (changed)
        {
            History.Record(outcome.ProducedAt, previous?.Status, outcome.Status, outcome.Description);
        }

        Volatile.Write(ref _last, outcome);
        _engine.AnswerInputChanged();
        return new Published(previous, outcome) { Changed = changed };
    }

    /// <summary>
    /// Sets the timer that reports the latest result stale when it reaches the maximum age, or stops it when there is no
    /// maximum age or nothing to age. Under the lock.
    /// </summary>
    private void ArmStaleTimer()
    {
        var due = System.Threading.Timeout.InfiniteTimeSpan;
        if (Policy.MaxAge is { } maxAge && _last is { Stale: false } last && last.Epoch == _epoch && Policy.Enabled)
        {
            var remaining = maxAge - _engine.TimeProvider.GetElapsedTime(last.ProducedTimestamp);
            due = remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }

        if (_staleTimer is null)
        {
            if (due == System.Threading.Timeout.InfiniteTimeSpan)
            {
                return;
            }

            _staleTimer = _engine.TimeProvider.CreateTimer(static state => ((CheckSlot)state!).OnStale(), this, due, System.Threading.Timeout.InfiniteTimeSpan);
            return;
        }

        _staleTimer.Change(due, System.Threading.Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The latest result has reached the maximum age with nothing newer: it is replaced by an Unhealthy outcome that says
    /// so, and that is published like a result, so listeners, the log and the gauges hear it when it happens.
    /// </summary>
    private void OnStale()
    {
        lock (_gate)
        {
            var last = _last;
            var maxAge = Policy.MaxAge;
            if (last is null || last.Stale || maxAge is null || last.Epoch != _epoch || !Policy.Enabled)
            {
                return;
            }

            var age = _engine.TimeProvider.GetElapsedTime(last.ProducedTimestamp);
            if (age < maxAge)
            {
                // A timer fired early, or the maximum age was raised meanwhile.
                ArmStaleTimer();
                return;
            }

            // Produced now (its producedAt is when it was found stale), aged from the last real result: healthkit.check.age
            // keeps growing, and an on-demand check's cache has long expired.
            var stale = new CheckOutcome(
                HealthStatus.Unhealthy,
                string.Create(CultureInfo.InvariantCulture, $"stale: last result {age.TotalSeconds:0.0} s ago (more than the maximum age of {maxAge.Value.TotalSeconds:0.0} s)"),
                last.Duration,
                _engine.TimeProvider.GetUtcNow(),
                last.ProducedTimestamp,
                [],
                exceptionMessage: null,
                last.ConsecutiveFailures,
                last.FailingSinceTimestamp)
            {
                Stale = true,
                StateVersion = last.StateVersion,
                Epoch = last.Epoch,
            };
            QueueAnnouncement(Store(last, stale), exception: null, timedOut: false, staleAge: age);
        }

        Announce();
    }

    /// <summary>Stops the maximum-age timer; the engine is going away.</summary>
    internal void StopTimers()
    {
        lock (_gate)
        {
            _staleTimer?.Dispose();
            _staleTimer = null;
        }
    }

    private CheckOutcome TimedOutResult(string description, TimeSpan elapsed, long now) => new(
        Registration.FailureStatus,
        description,
        elapsed,
        _engine.TimeProvider.GetUtcNow(),
        now,
        []);

    /// <summary>
    /// What a request reports while the check has no result and its first run is still going: <paramref name="raw"/>,
    /// damped as a first failure. Not stored: the run's own result, when it comes, is the check's first.
    /// </summary>
    internal CheckOutcome Pending(CheckOutcome raw) => Damp(Policy, previous: null, raw);

    private CheckOutcome Damp(EffectivePolicy policy, CheckOutcome? previous, CheckOutcome raw)
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

        if (policy.Damped)
        {
            var failingFor = _engine.TimeProvider.GetElapsedTime(since, raw.ProducedTimestamp);
            var byCount = policy.UnhealthyAfterFailures is > 1 and var limit && count >= limit;
            var byTime = policy.UnhealthyAfterDuration is { } window && window > TimeSpan.Zero && failingFor >= window;
            if (!byCount && !byTime)
            {
                status = HealthStatus.Degraded;
                var of = policy.UnhealthyAfterFailures is > 1 and var n ? " of " + n.ToString(CultureInfo.InvariantCulture) : string.Empty;
                description = string.Create(CultureInfo.InvariantCulture, $"failing ({count}{of}): {raw.Description}");
            }

            data = [.. raw.Data, new("consecutiveFailures", count)];
        }

        return new CheckOutcome(status, description, raw.Duration, raw.ProducedAt, raw.ProducedTimestamp, data, raw.ExceptionMessage, count, since);
    }

    /// <summary>
    /// The outcome a run published, and the latest outcome before it. <see cref="Discarded"/>: the check was disabled
    /// since the run started, so the outcome was not stored and is not news. <see cref="Changed"/>: the outcome changed the
    /// check's status (<see cref="HealthStatusNotifier.IsChange"/>), and the change is in the history.
    /// </summary>
    internal readonly record struct Published(CheckOutcome? Previous, CheckOutcome Outcome, bool Discarded = false)
    {
        public bool Changed { get; init; }
    }

    /// <summary>A published outcome waiting to be announced; <see cref="StaleAge"/> is set when it reports the result stale.</summary>
    private readonly record struct Announcement(Published Published, Exception? Exception, bool TimedOut, TimeSpan? StaleAge);

    /// <summary>
    /// What one execution of a check produced. <see cref="Cancelled"/>: it stopped because its token fired.
    /// <see cref="Threw"/>: the check, its factory or its result threw <see cref="Exception"/>, rather than returning it.
    /// </summary>
    internal readonly record struct RunResult(CheckOutcome Outcome, Exception? Exception, bool Cancelled, bool Threw = false);

    /// <summary>A policy and the registration a check sees under it, swapped together.</summary>
    internal sealed class Settings
    {
        public Settings(HealthCheckRegistration registration, EffectivePolicy policy)
        {
            Policy = policy;

            // Checks see their effective timeout through the context, so that drivers with their own connect and command
            // timeouts (which ignore the token once connected) can be told the same deadline.
            Context = new HealthCheckRegistration(
                registration.Name, registration.Factory, registration.FailureStatus, registration.Tags, policy.Timeout)
            {
                Delay = registration.Delay,
                Period = registration.Period,
            };
        }

        public EffectivePolicy Policy { get; }

        public HealthCheckRegistration Context { get; }
    }

    /// <summary>One run of the check. Its fields other than the completion are guarded by the slot's lock.</summary>
    private sealed class Run : IDisposable
    {
        private readonly CheckSlot _slot;
        private readonly CancellationTokenSource _cancellation = new();
        private CancellationTokenRegistration _stopping;
        private ITimer? _timer;

        public Run(CheckSlot slot, long started, int version, int epoch, Settings settings)
        {
            _slot = slot;
            Started = started;
            Version = version;
            Epoch = epoch;
            Settings = settings;
            Completion = new(this, TaskCreationOptions.RunContinuationsAsynchronously);
        }

        /// <summary>Completes once the run has ended; its <see cref="Task.AsyncState"/> is this run.</summary>
        public TaskCompletionSource<CheckOutcome> Completion { get; }

        /// <summary>The outcome the run ended with, set when <see cref="Ended"/> is.</summary>
        public CheckOutcome? Outcome { get; set; }

        public long Started { get; }

        /// <summary>The slot's settings when the run started; the run keeps them whatever a reload does meanwhile.</summary>
        public Settings Settings { get; }

        /// <summary>The application-state version read when the run started.</summary>
        public int Version { get; }

        /// <summary>The slot's <see cref="CheckSlot.Epoch"/> when the run started.</summary>
        public int Epoch { get; }

        /// <summary>An outcome has been published for this run (the check returned, or it timed out).</summary>
        public bool Ended { get; set; }

        /// <summary>The run's span, when something listens to HealthKit's activity source.</summary>
        public Activity? Activity { get; set; }

        public void Start()
        {
            var engine = _slot._engine;
            _stopping = engine.StoppingToken.UnsafeRegister(static state => ((Run)state!).Cancel(), this);
            // The lifecycle checks never block: they run inline, so liveness needs no thread at all. Every other check
            // starts on the engine's own threads, so that one blocking its thread holds none that requests need.
            var execution = Settings.Policy.Fixed ? ExecuteAsync() : engine.Scheduler.Start(ExecuteAsync);
            if (execution.IsCompleted)
            {
                return;
            }

            var remaining = Settings.Policy.Timeout - engine.TimeProvider.GetElapsedTime(Started);
            lock (_slot._gate)
            {
                if (!Ended)
                {
                    // Stryker disable once Equality : at zero both branches give TimeSpan.Zero
                    _timer = engine.TimeProvider.CreateTimer(
                        static state => ((Run)state!).OnTimer(),
                        this,
                        remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero,
                        System.Threading.Timeout.InfiniteTimeSpan);
                }
            }
        }

        public void Cancel()
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (AggregateException)
            {
                // A check's own cancellation callback threw; the run has ended either way.
            }
            catch (ObjectDisposedException)
            {
                // The check returned meanwhile; there is nothing left to cancel.
            }
        }

        /// <summary>Called once the check has returned: its token is no longer needed.</summary>
        public void Dispose()
        {
            _stopping.Unregister();
            _cancellation.Dispose();
        }

        public void DisposeTimer()
        {
            _timer?.Dispose();
            _timer = null;
        }

        private void OnTimer() => _slot.Expire(Completion.Task);

        private async Task ExecuteAsync()
        {
            RunResult result;
            bool ended;
            lock (_slot._gate)
            {
                ended = Ended;
            }

            if (ended || _cancellation.IsCancellationRequested)
            {
                // It waited for a check thread until its timeout (or the host stopped): it has ended, and the check is not
                // started for nothing. Its token may not be cancelled yet: that is queued to the pool when it times out.
                _slot.OnCheckReturned(this, new RunResult(_slot._engine.FailureOutcome(_slot, Started, TimedOutDescription), null, Cancelled: true));
                return;
            }

            try
            {
                result = await _slot._engine.ExecuteAsync(_slot, Settings.Context, Started, _cancellation.Token).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // ExecuteAsync turns every failure into an outcome; this is the last line of defence.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result = new RunResult(_slot._engine.FailureOutcome(_slot, Started, "the health check run failed (" + ex.GetType().Name + ")"), ex, Cancelled: false, Threw: true);
            }

            _slot.OnCheckReturned(this, result);
        }
    }
}
