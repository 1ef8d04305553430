using HealthKit.Redaction;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.History;

/// <summary>
/// The bounded ring of one check's latest status changes: at most a capacity of entries, none older than a window.
/// </summary>
/// <remarks>
/// A change is rare and a probe is not, so a change pays and a read does not: <see cref="Record"/> builds a new array
/// (at most <see cref="Capacity"/> entries) and publishes it with one volatile write; a reader takes the array it finds
/// and never waits. <see cref="Record"/> is called by one writer at a time (the check's slot, under its lock), so entries
/// are in the order the engine decided them.
/// </remarks>
internal sealed class CheckHistory
{
    /// <summary>The most characters kept of a description, before the truncation marker.</summary>
    internal const int MaxDescriptionLength = 256;

    /// <summary>
    /// The most bytes one entry keeps alive on a 64-bit runtime: its slot in the array (at most 48), and its description,
    /// a string (24 bytes of header) of at most <see cref="MaxDescriptionLength"/> kept characters, each of which may be
    /// escaped as six (<c>\uXXXX</c>), and a truncation marker of at most 48.
    /// </summary>
    internal const int MaxBytesPerEntry = 48 + 24 + (2 * ((6 * MaxDescriptionLength) + 48));

    private readonly TimeProvider _timeProvider;
    private readonly SecretRedactor _redactor;
    private HistoryEntry[] _entries = [];

    public CheckHistory(int capacity, TimeSpan window, TimeProvider timeProvider, SecretRedactor? redactor = null)
    {
        Capacity = Math.Clamp(capacity, 0, HealthKitHistoryOptions.MaxCapacity);
        Window = window > TimeSpan.Zero ? window : TimeSpan.FromSeconds(1);
        _timeProvider = timeProvider;
        _redactor = redactor ?? SecretRedactor.Default;
    }

    /// <summary>The most entries kept.</summary>
    public int Capacity { get; }

    /// <summary>How long an entry is kept.</summary>
    public TimeSpan Window { get; }

    /// <summary>
    /// Records a change at <paramref name="at"/> (the time of the result that made it), dropping what is beyond the
    /// capacity or older than the window. A time before the newest entry's (a late result of a run abandoned at its
    /// timeout, or a wall clock set back) is recorded as the newest entry's, so entries stay in order.
    /// </summary>
    public void Record(DateTimeOffset at, HealthStatus? from, HealthStatus to, string? description)
    {
        if (Capacity == 0)
        {
            return;
        }

        var current = Volatile.Read(ref _entries);
        if (current.Length > 0 && current[^1].At > at)
        {
            at = current[^1].At;
        }

        var entry = new HistoryEntry(at, from, to, description is null ? null : _redactor.Bounded(description, MaxDescriptionLength));
        var first = FirstInWindow(current, _timeProvider.GetUtcNow() - Window);
        first = Math.Max(first, current.Length + 1 - Capacity);
        var next = new HistoryEntry[current.Length - first + 1];
        Array.Copy(current, first, next, 0, current.Length - first);
        next[^1] = entry;
        Volatile.Write(ref _entries, next);
    }

    /// <summary>The entries inside the window now, oldest first. Never blocks.</summary>
    public ReadOnlySpan<HistoryEntry> Snapshot()
    {
        var current = Volatile.Read(ref _entries);
        return current.AsSpan(FirstInWindow(current, _timeProvider.GetUtcNow() - Window));
    }

    /// <summary>
    /// Whether a change was ever recorded. A change always leaves at least itself in the array (entries are dropped only
    /// when one is recorded), so this stays true once set.
    /// </summary>
    public bool AnyRecorded => Volatile.Read(ref _entries).Length > 0;

    /// <summary>How many changes the window holds now: the check's flaps, at most <see cref="Capacity"/>.</summary>
    public int Flaps => Snapshot().Length;

    /// <summary>The index of the first entry at or after <paramref name="since"/>; entries are in time order.</summary>
    private static int FirstInWindow(HistoryEntry[] entries, DateTimeOffset since)
    {
        var first = 0;
        while (first < entries.Length && entries[first].At < since)
        {
            first++;
        }

        return first;
    }
}
