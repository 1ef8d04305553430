using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Publishing;

/// <summary>
/// A publisher that reads <see cref="HealthReport"/> the way Xabaril's and Microsoft's do (status, total duration, and
/// per entry status, description, duration, exception message, data and tags), and keeps what it read.
/// </summary>
internal sealed class RecordingPublisher : IHealthCheckPublisher
{
    public ConcurrentQueue<Published> Reports { get; } = new();

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        var entries = report.Entries.ToDictionary(
            e => e.Key,
            e => new PublishedEntry(
                e.Value.Status,
                e.Value.Description,
                e.Value.Duration,
                e.Value.Exception?.Message,
                e.Value.Data.ToDictionary(d => d.Key, d => d.Value),
                [.. e.Value.Tags]));
        Reports.Enqueue(new Published(report.Status, report.TotalDuration, entries));
        return Task.CompletedTask;
    }

    internal sealed record Published(HealthStatus Status, TimeSpan TotalDuration, Dictionary<string, PublishedEntry> Entries);

    internal sealed record PublishedEntry(HealthStatus Status, string? Description, TimeSpan Duration, string? ExceptionMessage, Dictionary<string, object> Data, string[] Tags);
}

/// <summary>A publisher that throws a message with a secret in it, every time.</summary>
internal sealed class ThrowingPublisher(string message) : IHealthCheckPublisher
{
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        throw new InvalidOperationException(message);
    }
}

/// <summary>A publisher that never returns and ignores its token, as one stuck on a dead socket does.</summary>
internal sealed class HangingPublisher : IHealthCheckPublisher
{
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return _never.Task;
    }

    public void Release() => _never.TrySetResult();
}
