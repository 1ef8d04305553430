using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Engine;

/// <summary>The outcome of evaluating a set of checks for one request.</summary>
internal sealed class Evaluation
{
    public Evaluation(CheckSlot[] slots, CheckOutcome[] outcomes, TimeSpan totalDuration)
    {
        Slots = slots;
        Outcomes = outcomes;
        TotalDuration = totalDuration;
        var status = HealthStatus.Healthy;
        foreach (var outcome in outcomes)
        {
            if (outcome.Status < status)
            {
                status = outcome.Status;
            }
        }

        Status = status;
    }

    public CheckSlot[] Slots { get; }

    public CheckOutcome[] Outcomes { get; }

    /// <summary>The worst entry's status; Healthy when there are no entries.</summary>
    public HealthStatus Status { get; }

    /// <summary>The real time this request spent evaluating, cached entries included.</summary>
    public TimeSpan TotalDuration { get; }
}
