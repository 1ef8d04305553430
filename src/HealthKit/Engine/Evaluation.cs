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
        for (var i = 0; i < outcomes.Length; i++)
        {
            var counted = Counted(outcomes[i].Status, slots[i].Policy);
            // Stryker disable once Equality : when counted equals status the assignment changes nothing
            if (counted < status)
            {
                status = counted;
            }
        }

        Status = status;
    }

    public CheckSlot[] Slots { get; }

    public CheckOutcome[] Outcomes { get; }

    /// <summary>
    /// The worst entry's status as it counts in an aggregate (<see cref="Counted"/>); Healthy when there are no entries.
    /// </summary>
    public HealthStatus Status { get; }

    /// <summary>
    /// The status an entry contributes to an aggregate: a non-critical check's Unhealthy counts as Degraded. Every
    /// aggregate (endpoints, writers, anything that sums up entries) goes through here, so none of them can disagree.
    /// </summary>
    public static HealthStatus Counted(HealthStatus status, EffectivePolicy policy) =>
        status == HealthStatus.Unhealthy && !policy.Critical ? HealthStatus.Degraded : status;

    /// <summary>The real time this request spent evaluating, cached entries included.</summary>
    public TimeSpan TotalDuration { get; }
}
