using HealthKit.Internal;
using HealthKit.Lifecycle;
using HealthKit.Listeners;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Engine;

/// <summary>
/// Keeps every enabled endpoint's status current as its checks' results change: the worst status, as it counts in an
/// aggregate, among the current results of the endpoint's enabled checks. Updated when a result is published, when a
/// reload changes policies (enable, disable, critical) and when the application's availability changes (startup, the
/// drain); read in O(1) by the gauges, and subscribed to by anything that pushes changes.
/// </summary>
/// <remarks>
/// <para>
/// A change is logged once (event 4) and handed to the listeners under one lock, in the order the statuses changed, so
/// the last change a listener is given for an endpoint is always its current status.
/// </para>
/// <para>
/// A check with no current result (never run, or not run since it was enabled again) is left out: nothing is known about
/// it. An endpoint none of whose checks has a result has no status yet (<see langword="null"/>).
/// </para>
/// </remarks>
internal sealed class EndpointStatusTracker
{
    private readonly Lock _gate = new();
    private readonly HealthEngine _engine;
    private readonly ILogger _logger;
    private readonly Entry[] _entries;
    private readonly int[][] _bySlot;
    private TaskCompletionSource _changed = NewSignal();
    private TaskCompletionSource? _announced;
    private long _version;
    private long _announcements;

    public EndpointStatusTracker(HealthEngine engine, IEnumerable<HealthEndpointOptions> endpoints, ILogger logger)
    {
        _engine = engine;
        _logger = logger;
        _entries = [.. endpoints.Where(endpoint => endpoint.Enabled).Select(endpoint => new Entry(endpoint.Key, engine.SlotsFor(endpoint)))];
        _bySlot = [.. engine.Slots.Select(slot => Enumerable.Range(0, _entries.Length).Where(i => _entries[i].Slots.Contains(slot)).ToArray())];
    }

    /// <summary>The keys of the endpoints tracked (the enabled ones), in the order <see cref="Get(int)"/> indexes them.</summary>
    public IEnumerable<string> Keys => _entries.Select(entry => entry.Key);

    /// <summary>How many endpoints are tracked.</summary>
    public int Count => _entries.Length;

    /// <summary>A number that grows by one with every change of any endpoint's status.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Raised after an endpoint's status changed, under the tracker's lock: handlers must not block.</summary>
    public event Action<EndpointStatus>? Changed;

    /// <summary>The current status of the endpoint at <paramref name="index"/>.</summary>
    public EndpointStatus Get(int index) => _entries[index].State;

    /// <summary>The current status of the endpoint with <paramref name="key"/>, or <see langword="null"/> when it is not tracked.</summary>
    public EndpointStatus? Get(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.State;
            }
        }

        return null;
    }

    /// <summary>Completes when <see cref="Version"/> has moved past <paramref name="version"/>, at once if it already has.</summary>
    public Task WaitForChangeAsync(long version, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            if (_version != version)
            {
                return Task.CompletedTask;
            }

            changed = _changed.Task;
        }

        return changed.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// A number that grows by one every time a check's current result is announced or policies change, whether or not
    /// any endpoint's status changed: what follows one check's status waits on it.
    /// </summary>
    public long Announcements => Interlocked.Read(ref _announcements);

    /// <summary>Completes when <see cref="Announcements"/> has moved past <paramref name="announcements"/>, at once if it already has.</summary>
    public Task WaitForAnnouncementAsync(long announcements, CancellationToken cancellationToken)
    {
        Task announced;
        lock (_gate)
        {
            if (_announcements != announcements)
            {
                return Task.CompletedTask;
            }

            // Made only while something waits, so that a run nobody follows allocates nothing here.
            announced = (_announced ??= NewSignal()).Task;
        }

        return announced.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// A check's current result changed, and its own change has been logged and queued: recomputes the endpoints that run
    /// it. Until then they are computed from the result announced before, so no endpoint's change comes ahead of the
    /// change of the check that caused it.
    /// </summary>
    public void OnCheckChanged(CheckSlot slot)
    {
        lock (_gate)
        {
            slot.Announced = slot.Last;
            foreach (var index in _bySlot[slot.Index])
            {
                Recompute(_entries[index]);
            }

            Announce();
        }
    }

    /// <summary>Policies changed (a check enabled, disabled, made critical or not): recomputes every endpoint.</summary>
    public void Refresh()
    {
        lock (_gate)
        {
            foreach (var entry in _entries)
            {
                Recompute(entry);
            }

            Announce();
        }
    }

    /// <summary>Moves <see cref="Announcements"/> on and wakes its waiters; called under the lock.</summary>
    private void Announce()
    {
        Interlocked.Increment(ref _announcements);
        if (_announced is { } announced)
        {
            _announced = null;
            announced.TrySetResult();
        }
    }

    /// <summary>The status of <paramref name="slots"/> from their current results; <see langword="null"/> when none has one.</summary>
    internal static HealthStatus? StatusOf(CheckSlot[] slots)
    {
        HealthStatus? worst = null;
        foreach (var slot in slots)
        {
            if (CurrentOf(slot) is { } current)
            {
                var counted = Evaluation.Counted(current.Status, slot.Policy);
                if (worst is null || counted < worst)
                {
                    worst = counted;
                }
            }
        }

        return worst;
    }

    private void Recompute(Entry entry)
    {
        var status = StatusOf(entry.Slots);
        var before = entry.State;
        if (status == before.Status)
        {
            return;
        }

        var version = Interlocked.Increment(ref _version);
        var now = _engine.TimeProvider.GetUtcNow();
        var state = new EndpointStatus(entry.Key, status, version, now);
        entry.State = state;

        var changed = _changed;
        _changed = NewSignal();
        changed.TrySetResult();

        // A check that goes quiet (disabled, or enabled again and not yet run) can leave an endpoint with no status:
        // that is not news about the endpoint.
        if (status is { } known && HealthStatusNotifier.IsChange(before.Status, known))
        {
            var level = LevelFor(entry, known);
            if (_logger.IsEnabled(level))
            {
                Log.EndpointStatusChanged(_logger, level, entry.Key, before.Status is { } previous ? Log.StatusNames[(int)previous] : Log.Unknown, known);
            }

            _engine.Notifier.EndpointChanged(entry.Key, before.Status, known, now);
        }

        Changed?.Invoke(state);
    }

    /// <summary>
    /// The level of an endpoint's change: by its new status, except that an endpoint failing only because the
    /// application is starting, stopping or taken out of rotation is expected, and logged at Information. A startup task
    /// that failed or timed out is an error.
    /// </summary>
    private LogLevel LevelFor(Entry entry, HealthStatus status)
    {
        if (status != HealthStatus.Unhealthy)
        {
            return Log.LevelFor(status);
        }

        foreach (var slot in entry.Slots)
        {
            if (!slot.IsLifecycle && CurrentOf(slot) is { } current && Evaluation.Counted(current.Status, slot.Policy) == HealthStatus.Unhealthy)
            {
                return LogLevel.Error;
            }
        }

        return StartupFailed(_engine.Availability) ? LogLevel.Error : LogLevel.Information;
    }

    /// <summary>The slot's announced result, if it is current: produced since the check was last enabled, and enabled.</summary>
    private static CheckOutcome? CurrentOf(CheckSlot slot) =>
        slot.Announced is { } announced && announced.Epoch == slot.Epoch && slot.Policy.Enabled ? announced : null;

    private static bool StartupFailed(HealthKitAvailability availability) =>
        Array.Exists(availability.Tasks, task => task.Status is StartupTaskStatus.Failed or StartupTaskStatus.TimedOut);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Entry(string key, CheckSlot[] slots)
    {
        public string Key { get; } = key;

        public CheckSlot[] Slots { get; } = slots;

        private EndpointStatus _state = new(key, null, 0, default);

        /// <summary>Read without a lock; written under the tracker's lock.</summary>
        public EndpointStatus State
        {
            get => Volatile.Read(ref _state);
            set => Volatile.Write(ref _state, value);
        }
    }
}

/// <summary>One endpoint's maintained status.</summary>
/// <param name="Key">The endpoint's key: <c>Health</c>, <c>Live</c>, <c>Ready</c> or <c>Startup</c>.</param>
/// <param name="Status">The worst current result among its checks; <see langword="null"/> while none has one.</param>
/// <param name="Version">The tracker's <see cref="EndpointStatusTracker.Version"/> when this status was set.</param>
/// <param name="ChangedAt">When it was set, by HealthKit's <see cref="TimeProvider"/>.</param>
internal sealed record EndpointStatus(string Key, HealthStatus? Status, long Version, DateTimeOffset ChangedAt);
