using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Engine;

/// <summary>
/// One check's result as HealthKit reports it: sanitized once when produced, then shared by every response that reuses
/// it, so a cached answer costs no per-request work.
/// </summary>
internal sealed class CheckOutcome
{
    public CheckOutcome(
        HealthStatus status,
        string? description,
        TimeSpan duration,
        DateTimeOffset producedAt,
        long producedTimestamp,
        IReadOnlyList<KeyValuePair<string, object?>> data,
        string? exceptionMessage = null,
        int consecutiveFailures = 0,
        long failingSinceTimestamp = 0)
    {
        Status = status;
        Description = description;
        Duration = duration;
        ProducedAt = producedAt;
        ProducedTimestamp = producedTimestamp;
        Data = data;
        ExceptionMessage = exceptionMessage;
        ConsecutiveFailures = consecutiveFailures;
        FailingSinceTimestamp = failingSinceTimestamp;
    }

    /// <summary>The status after failure mapping and damping.</summary>
    public HealthStatus Status { get; }

    /// <summary>A description that is safe to show at <see cref="HealthDetailLevel.Full"/>.</summary>
    public string? Description { get; }

    /// <summary>How long the run took, or, for a timed-out wait, how long the run had been going.</summary>
    public TimeSpan Duration { get; }

    /// <summary>When the result was produced, by the engine's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset ProducedAt { get; }

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> at which the result was produced; drives the cache.</summary>
    public long ProducedTimestamp { get; }

    /// <summary>The check's data, reduced to JSON-safe values with secrets redacted.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Data { get; }

    /// <summary>The exception message, kept only when <see cref="HealthKitOptions.IncludeExceptionDetails"/> is on.</summary>
    public string? ExceptionMessage { get; }

    /// <summary>How many runs in a row have failed, counting this one.</summary>
    public int ConsecutiveFailures { get; }

    /// <summary>The timestamp of the first failure of the current failing streak, or 0.</summary>
    public long FailingSinceTimestamp { get; }

    /// <summary>The application-state version the run saw; set once, before the outcome is published.</summary>
    public int StateVersion { get; set; }

    /// <summary>
    /// Whether this outcome stands in for a result older than the check's maximum age: Unhealthy, with the old result's
    /// production time, so that its age keeps growing.
    /// </summary>
    public bool Stale { get; init; }

    /// <summary>The slot's <see cref="CheckSlot.Epoch"/> when the run started; set once, before the outcome is published.</summary>
    public int Epoch { get; set; }

    /// <summary>
    /// An opaque slot for the endpoint writers to keep what they render from this outcome, so that a cached outcome is
    /// rendered once, not once per request. The engine never reads it.
    /// </summary>
    public object? RenderCache { get; set; }
}
