using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Publishing;

/// <summary>
/// The <see cref="HealthCheckService"/> that answers in place of Microsoft's when
/// <see cref="HealthKitOptions.ReplaceHealthCheckService"/> is on: every caller, Microsoft's publisher service included,
/// is answered by the engine, with the endpoints' cache, coalescing, timeouts and redaction, so no caller runs a check
/// outside them.
/// </summary>
/// <remarks>
/// A caller waits at most the longest effective timeout among the checks it selects (HealthKit:Defaults:Timeout or the
/// check's own, each capped by the shortest deadline of an endpoint that runs it); a check still running then is reported
/// as timed out, as on an endpoint. The caller's token ends the wait earlier, with an
/// <see cref="OperationCanceledException"/>, as Microsoft's service does, and cancels nothing shared.
/// </remarks>
internal sealed class EngineHealthCheckService : HealthCheckService
{
    private readonly HealthEngine _engine;

    public EngineHealthCheckService(HealthEngine engine) => _engine = engine;

    public override async Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var slots = predicate is null ? _engine.Slots : [.. _engine.Slots.Where(slot => predicate(slot.Registration))];
        var evaluation = await _engine.EvaluateAsync(slots, Deadline(slots), cancellationToken).ConfigureAwait(false);
        return HealthReportFactory.Create(evaluation);
    }

    /// <summary>The longest effective timeout among <paramref name="slots"/>: every run has ended by then.</summary>
    internal static TimeSpan Deadline(CheckSlot[] slots)
    {
        var deadline = TimeSpan.Zero;
        foreach (var slot in slots)
        {
            if (slot.Policy.Timeout > deadline)
            {
                deadline = slot.Policy.Timeout;
            }
        }

        return deadline;
    }
}
