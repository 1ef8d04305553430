using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.History;

/// <summary>
/// One change of a check's status: when, from what (<see langword="null"/> for a first result), to what, and the
/// description of the result that made it, already redacted and bounded.
/// </summary>
internal readonly record struct HistoryEntry(DateTimeOffset At, HealthStatus? From, HealthStatus To, string? Description);
