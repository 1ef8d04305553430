using HealthKit.Engine;

namespace HealthKit.Grpc.Internal;

/// <summary>What one gRPC service name reports: an endpoint's checks, or one check, within a deadline.</summary>
/// <param name="Name">The endpoint's key (<c>Ready</c>) or <c>check 'name'</c>, for logs.</param>
/// <param name="Slots">The checks a Check evaluates.</param>
/// <param name="Deadline">The deadline of the endpoint whose HTTP answer this mirrors.</param>
/// <param name="EndpointKey">The endpoint whose maintained status a Watch follows, or <see langword="null"/> for one check.</param>
internal sealed record GrpcTarget(string Name, CheckSlot[] Slots, TimeSpan Deadline, string? EndpointKey)
{
    /// <summary>The maintained status a Watch follows; <see langword="null"/> while nothing is known.</summary>
    public Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus? Current(EndpointStatusTracker tracker) =>
        EndpointKey is null ? EndpointStatusTracker.StatusOf(Slots) : tracker.Get(EndpointKey)?.Status;

    /// <summary>A number that moves on whenever <see cref="Current"/> may have changed.</summary>
    public long Version(EndpointStatusTracker tracker) => EndpointKey is null ? tracker.Announcements : tracker.Version;

    /// <summary>Completes when <see cref="Version"/> moves past <paramref name="version"/>.</summary>
    public Task WaitForChangeAsync(EndpointStatusTracker tracker, long version, CancellationToken cancellationToken) =>
        EndpointKey is null ? tracker.WaitForAnnouncementAsync(version, cancellationToken) : tracker.WaitForChangeAsync(version, cancellationToken);
}
