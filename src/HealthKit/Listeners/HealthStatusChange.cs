using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit;

/// <summary>One change of a check's or an endpoint's status, as handed to an <see cref="IHealthStatusListener"/>.</summary>
public sealed class HealthStatusChange
{
    /// <summary>Creates a change.</summary>
    /// <param name="kind">Whether a check or an endpoint changed.</param>
    /// <param name="name">The check's name, or the endpoint's key (<c>Health</c>, <c>Live</c>, <c>Ready</c>, <c>Startup</c>).</param>
    /// <param name="previousStatus">The status before the change; <see langword="null"/> when there was none yet.</param>
    /// <param name="status">The new status.</param>
    /// <param name="description">The check's description, redacted as responses are; <see langword="null"/> for an endpoint.</param>
    /// <param name="changedAt">When the change happened, by HealthKit's <see cref="TimeProvider"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is <see langword="null"/>.</exception>
    public HealthStatusChange(HealthStatusChangeKind kind, string name, HealthStatus? previousStatus, HealthStatus status, string? description, DateTimeOffset changedAt)
    {
        ArgumentNullException.ThrowIfNull(name);
        Kind = kind;
        Name = name;
        PreviousStatus = previousStatus;
        Status = status;
        Description = description;
        ChangedAt = changedAt;
    }

    /// <summary>Gets whether a check or an endpoint changed.</summary>
    public HealthStatusChangeKind Kind { get; }

    /// <summary>Gets the check's name, or the endpoint's key (<c>Health</c>, <c>Live</c>, <c>Ready</c>, <c>Startup</c>).</summary>
    public string Name { get; }

    /// <summary>Gets the status before the change; <see langword="null"/> when there was none yet.</summary>
    public HealthStatus? PreviousStatus { get; }

    /// <summary>Gets the new status.</summary>
    public HealthStatus Status { get; }

    /// <summary>
    /// Gets the check's description, redacted as HealthKit's responses are (no exception text unless
    /// <see cref="HealthKitOptions.IncludeExceptionDetails"/> is on, no credentials); <see langword="null"/> for an endpoint.
    /// </summary>
    public string? Description { get; }

    /// <summary>Gets when the change happened, by HealthKit's <see cref="TimeProvider"/>.</summary>
    public DateTimeOffset ChangedAt { get; }
}
