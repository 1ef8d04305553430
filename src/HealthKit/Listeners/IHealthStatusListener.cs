namespace HealthKit;

/// <summary>
/// Receives HealthKit's status changes: a check's published status (after damping) or an endpoint's overall status,
/// once per change. Register implementations in dependency injection, for example with
/// <see cref="HealthStatusListenerHealthChecksBuilderExtensions.AddHealthStatusListener{TListener}(Microsoft.Extensions.DependencyInjection.IHealthChecksBuilder)"/>.
/// </summary>
/// <remarks>
/// <para>
/// Listeners run off the request path, one change at a time and in the order the changes were queued, on a background
/// service that HealthKit registers. A request never waits for a listener.
/// </para>
/// <para>
/// Each call is bounded by <see cref="HealthKitOptions.ListenerTimeout"/>: the token fires then, and HealthKit stops
/// waiting even if the listener ignores it. An exception or a timeout is logged and the next change is delivered as
/// usual. A change is reported the way HealthKit logs it: a first result that is Healthy is not a change.
/// </para>
/// </remarks>
public interface IHealthStatusListener
{
    /// <summary>Called once for each status change.</summary>
    /// <param name="change">What changed, from what, to what, and when.</param>
    /// <param name="cancellationToken">Fires at <see cref="HealthKitOptions.ListenerTimeout"/>, or when the host stops.</param>
    /// <returns>A task that completes when the listener has handled the change.</returns>
    Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken);
}
