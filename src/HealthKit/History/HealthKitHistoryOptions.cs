namespace HealthKit;

/// <summary>
/// The status history each check keeps in memory, bound from <c>HealthKit:History</c>: its latest status changes, shown
/// on the status page and, with <c>?history</c>, in the JSON.
/// </summary>
/// <remarks>
/// A change is recorded where the engine logs it (event 1) and tells the listeners of it, so the three agree. Each check
/// keeps at most <see cref="Capacity"/> changes, none older than <see cref="Window"/>; a description is kept redacted
/// and cut to 256 characters, so the memory the history holds is bounded whatever a check does.
/// </remarks>
public sealed class HealthKitHistoryOptions
{
    /// <summary>The largest <see cref="Capacity"/> accepted: 1,000 changes per check.</summary>
    internal const int MaxCapacity = 1000;

    /// <summary>The longest <see cref="Window"/> accepted: 7 days.</summary>
    internal static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// Gets or sets how many status changes each check keeps; the oldest is dropped first.
    /// </summary>
    /// <value>The default is 50. It must be between 0 (no history) and 1,000.</value>
    public int Capacity { get; set; } = 50;

    /// <summary>
    /// Gets or sets how long a status change is kept; older ones are dropped, and the flap count covers this window.
    /// </summary>
    /// <value>The default is 24 hours. It must be at least 1 second and at most 7 days.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(24);
}
