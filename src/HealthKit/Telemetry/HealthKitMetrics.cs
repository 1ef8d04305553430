using System.Diagnostics.Metrics;
using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Telemetry;

/// <summary>
/// HealthKit's instruments on the meter <c>HealthKit</c>. The gauges read the engine's latest results when they are
/// observed, so a scrape never starts a run; the histogram and the run counter are recorded when a run ends; the
/// request counters are plain counts the engine increments and a scrape reads.
/// </summary>
internal sealed class HealthKitMetrics
{
    private const int StatusCount = 3;

    // A scrape is enumerated on the thread that observes it, before the next instrument is observed: one buffer per
    // thread and type keeps a scrape of many checks from allocating the collection it returns, or its enumerator.
    [ThreadStatic]
    private static MeasurementBatch<int>? t_ints;

    [ThreadStatic]
    private static MeasurementBatch<double>? t_doubles;

    [ThreadStatic]
    private static MeasurementBatch<long>? t_longs;

    [ThreadStatic]
    private static long[]? t_cachedTotals;

    private readonly HealthEngine _engine;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _transitions;
    private readonly long[] _cached;
    private readonly long[] _joined;
    private readonly Lock _answerHitsGate = new();
    private AnswerHits[] _answerHits = [];
    private readonly KeyValuePair<string, object?>[][] _checkTags;
    private readonly KeyValuePair<string, object?>[][][] _checkStatusTags;
    private readonly KeyValuePair<string, object?>[][][] _outcomeTags;
    private readonly int[] _checkSeen;
    private readonly KeyValuePair<string, object?>[][][] _endpointStatusTags;
    private readonly int[] _endpointSeen;

    public HealthKitMetrics(Meter meter, HealthEngine engine)
    {
        _engine = engine;
        var slots = engine.Slots;
        _cached = new long[slots.Length];
        _joined = new long[slots.Length];
        _checkSeen = new int[slots.Length];
        _checkTags = [.. slots.Select(slot => new[] { Tag(HealthKitDiagnostics.CheckName, slot.Name) })];
        _checkStatusTags = [.. slots.Select(slot => StatusTags(HealthKitDiagnostics.CheckName, slot.Name))];
        _outcomeTags = [.. slots.Select(slot => OutcomeValues.Select(outcome => new[] { Tag(HealthKitDiagnostics.CheckName, slot.Name), Tag(HealthKitDiagnostics.Outcome, outcome) }).ToArray())];
        _endpointStatusTags = [.. engine.Endpoints.Keys.Select(key => StatusTags(HealthKitDiagnostics.EndpointName, EndpointName(key)))];
        _endpointSeen = new int[_endpointStatusTags.Length];

        meter.CreateObservableGauge(
            "healthkit.check.status",
            ObserveCheckStatus,
            unit: "{status}",
            description: "1 for the status of the check's latest result; 0 for each other status this gauge has reported for the check before. No series before the check's first result.");
        meter.CreateObservableGauge(
            "healthkit.check.age",
            ObserveAge,
            unit: "s",
            description: "How long ago the check's latest result was produced. A scrape starts no run: an on-demand check nothing probes grows old.");
        meter.CreateObservableGauge(
            "healthkit.endpoint.status",
            ObserveEndpointStatus,
            unit: "{status}",
            description: "1 for the worst status among the latest results of the endpoint's checks (those with a result); 0 for each other status reported for it before.");
        _duration = meter.CreateHistogram(
            "healthkit.check.duration",
            unit: "s",
            description: "How long check runs took, by check and outcome; a timed-out run counts until its timeout.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10] });
        _runs = meter.CreateCounter<long>(
            "healthkit.check.runs",
            unit: "{run}",
            description: "Check runs by outcome: healthy, degraded, unhealthy, threw, timed_out, or abandoned (no run started because the previous one has not returned).");
        _transitions = meter.CreateCounter<long>(
            "healthkit.check.transitions",
            unit: "{transition}",
            description: "Changes of a check's status (after damping), by the status it changed to; a first result counts unless it is Healthy. Counts every change, also those between two scrapes.");
        meter.CreateObservableGauge(
            "healthkit.check.slow_threshold",
            ObserveSlowThreshold,
            unit: "s",
            description: "The check's SlowThreshold: a run that takes this long or longer is logged as slow.");
        meter.CreateObservableGauge(
            "healthkit.check.flaps",
            ObserveFlaps,
            unit: "{transition}",
            description: "Changes of the check's status in its history's window (HealthKit:History:Window, 24 h by default), as healthkit.check.transitions counts them; at most the history's capacity. No series before the check's first change.");
        meter.CreateObservableGauge(
            "healthkit.check.max_age",
            ObserveMaxAge,
            unit: "s",
            description: "The check's MaxAge: a result older than this is reported Unhealthy as stale. No series for a check without one.");
        meter.CreateObservableCounter(
            "healthkit.check.cached",
            ObserveCached,
            unit: "{request}",
            description: "Requests answered with the check's cached result, without waiting for a run.");
        meter.CreateObservableCounter(
            "healthkit.check.joined",
            () => ObserveCounts(_joined),
            unit: "{request}",
            description: "Requests that waited for a run of the check another caller had already started.");
    }

    /// <summary>The <c>healthkit.check.outcome</c> values, indexed as <see cref="OutcomeIndex"/> returns.</summary>
    internal static readonly string[] OutcomeValues = ["unhealthy", "degraded", "healthy", "threw", "timed_out", "abandoned"];

    public void Cached(int slot) => Interlocked.Increment(ref _cached[slot]);

    public void Joined(int slot) => Interlocked.Increment(ref _joined[slot]);

    /// <summary>
    /// The counter of requests answered with a rendered answer of exactly <paramref name="slots"/>, each of which counts
    /// as a request answered with every one of those checks' cached results. One counter per distinct set of checks, so
    /// a request adds one, not one per check; <c>healthkit.check.cached</c> adds them up per check when it is observed.
    /// </summary>
    public AnswerHits AnswerHitsFor(CheckSlot[] slots)
    {
        foreach (var hits in Volatile.Read(ref _answerHits))
        {
            if (hits.Covers(slots))
            {
                return hits;
            }
        }

        lock (_answerHitsGate)
        {
            foreach (var hits in _answerHits)
            {
                if (hits.Covers(slots))
                {
                    return hits;
                }
            }

            // Sets are few (the checks an endpoint runs, less the disabled ones), so the array is copied on the rare add
            // and read without a lock by every scrape.
            var added = new AnswerHits([.. slots.Select(slot => slot.Index)]);
            Volatile.Write(ref _answerHits, [.. _answerHits, added]);
            return added;
        }
    }

    /// <summary>Records one ended run; <paramref name="duration"/> is <see langword="null"/> when no run started.</summary>
    public void RunEnded(int slot, int outcome, TimeSpan? duration)
    {
        var tags = _outcomeTags[slot][outcome];
        _runs.Add(1, tags);
        if (duration is { } elapsed)
        {
            _duration.Record(elapsed.TotalSeconds, tags);
        }
    }

    /// <summary>Counts one change of the check's published status to <paramref name="status"/>.</summary>
    public void StatusChanged(int slot, HealthStatus status) => _transitions.Add(1, _checkStatusTags[slot][(int)status]);

    internal static int OutcomeIndex(RunEnd end, HealthStatus status) => end switch
    {
        RunEnd.Returned => (int)status,
        RunEnd.Threw => 3,
        RunEnd.TimedOut => 4,
        _ => 5,
    };

    private IEnumerable<Measurement<int>> ObserveCheckStatus()
    {
        var buffer = (t_ints ??= new()).Clear();
        var slots = _engine.Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            // A disabled check is not run, so its last result says nothing about now; it goes quiet as it does in reports.
            if (slots[i].Current is { } last)
            {
                AddStatus(buffer, ref _checkSeen[i], (int)last.Status, _checkStatusTags[i]);
            }
        }

        return buffer;
    }

    private IEnumerable<Measurement<int>> ObserveEndpointStatus()
    {
        var buffer = (t_ints ??= new()).Clear();
        var endpoints = _engine.Endpoints;
        for (var i = 0; i < _endpointStatusTags.Length; i++)
        {
            // An endpoint none of whose checks has a result is left out, as a check's own series are.
            if (endpoints.Get(i).Status is { } status)
            {
                AddStatus(buffer, ref _endpointSeen[i], (int)status, _endpointStatusTags[i]);
            }
        }

        return buffer;
    }

    private IEnumerable<Measurement<double>> ObserveAge()
    {
        var buffer = (t_doubles ??= new()).Clear();
        var time = _engine.TimeProvider;
        var now = time.GetTimestamp();
        var slots = _engine.Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            // A disabled check's age is not exported: age alerts must not fire for a check that was turned off.
            if (slots[i].Current is { } last)
            {
                buffer.Add(new Measurement<double>(time.GetElapsedTime(last.ProducedTimestamp, now).TotalSeconds, _checkTags[i]));
            }
        }

        return buffer;
    }

    private IEnumerable<Measurement<double>> ObserveSlowThreshold()
    {
        var buffer = (t_doubles ??= new()).Clear();
        var slots = _engine.Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Policy is { Enabled: true } policy)
            {
                buffer.Add(new Measurement<double>(policy.SlowThreshold.TotalSeconds, _checkTags[i]));
            }
        }

        return buffer;
    }

    private IEnumerable<Measurement<int>> ObserveFlaps()
    {
        var buffer = (t_ints ??= new()).Clear();
        var slots = _engine.Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            // A check that never changed has no series, as a check with no result has no status series: a scrape of
            // many quiet checks stays small.
            if (slots[i].History is { AnyRecorded: true } history)
            {
                buffer.Add(new Measurement<int>(history.Flaps, _checkTags[i]));
            }
        }

        return buffer;
    }

    private IEnumerable<Measurement<double>> ObserveMaxAge()
    {
        var buffer = (t_doubles ??= new()).Clear();
        var slots = _engine.Slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Policy is { Enabled: true, MaxAge: { } maxAge })
            {
                buffer.Add(new Measurement<double>(maxAge.TotalSeconds, _checkTags[i]));
            }
        }

        return buffer;
    }

    /// <summary>Each check's requests answered from its cache: those counted per check, plus the rendered answers' hits.</summary>
    private MeasurementBatch<long> ObserveCached()
    {
        var totals = t_cachedTotals is { } kept && kept.Length == _cached.Length ? kept : t_cachedTotals = new long[_cached.Length];
        for (var i = 0; i < totals.Length; i++)
        {
            totals[i] = Volatile.Read(ref _cached[i]);
        }

        foreach (var hits in Volatile.Read(ref _answerHits))
        {
            var count = hits.Count;
            foreach (var index in hits.Slots)
            {
                totals[index] += count;
            }
        }

        return ObserveCounts(totals);
    }

    private MeasurementBatch<long> ObserveCounts(long[] counts)
    {
        var buffer = (t_longs ??= new()).Clear();
        for (var i = 0; i < counts.Length; i++)
        {
            // A count still at zero is left out, as a counter never incremented is: it keeps scrapes small.
            if (Volatile.Read(ref counts[i]) is > 0 and var count)
            {
                buffer.Add(new Measurement<long>(count, _checkTags[i]));
            }
        }

        return buffer;
    }

    /// <summary>
    /// Reports 1 for <paramref name="status"/> and 0 for every status reported before. A series that merely disappears
    /// is, to a backend, missing data rather than 0: a query such as <c>healthkit_check_status{healthkit_status="healthy"} == 0</c>
    /// would not see the check leave Healthy. Series of statuses never reached stay absent rather than cost every scrape.
    /// </summary>
    private static void AddStatus(MeasurementBatch<int> buffer, ref int seen, int status, KeyValuePair<string, object?>[][] tags)
    {
        var all = Interlocked.Or(ref seen, 1 << status) | (1 << status);
        for (var s = StatusCount - 1; s >= 0; s--)
        {
            if ((all & (1 << s)) != 0)
            {
                buffer.Add(new Measurement<int>(s == status ? 1 : 0, tags[s]));
            }
        }
    }

    private static KeyValuePair<string, object?>[][] StatusTags(string key, string name) =>
        [.. HealthKitDiagnostics.StatusValues.Select(status => new[] { Tag(key, name), Tag(HealthKitDiagnostics.Status, status) })];

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    /// <summary>The endpoint's key in lower case (health, live, ready, startup), as tag values are.</summary>
    private static string EndpointName(string key) => string.Create(key.Length, key, static (span, key) =>
    {
        for (var i = 0; i < key.Length; i++)
        {
            span[i] = char.ToLowerInvariant(key[i]);
        }
    });
}
