using System.Collections.Concurrent;

namespace HealthKit.Tests.Listeners;

/// <summary>Keeps every change it hears.</summary>
internal sealed class RecordingListener : IHealthStatusListener
{
    public ConcurrentQueue<HealthStatusChange> Changes { get; } = new();

    public IEnumerable<HealthStatusChange> Of(HealthStatusChangeKind kind) => Changes.Where(c => c.Kind == kind);

    public Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
    {
        Changes.Enqueue(change);
        return Task.CompletedTask;
    }
}

/// <summary>Throws a message with a secret in it.</summary>
internal sealed class ThrowingListener(string message) : IHealthStatusListener
{
    public Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken) =>
        throw new InvalidOperationException(message);
}

/// <summary>Never returns from its first call, and ignores its token; keeps the last change it heard of each subject.</summary>
internal sealed class HangingListener : IHealthStatusListener
{
    private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<(HealthStatusChangeKind, string), HealthStatusChange> _last = new();
    private int _calls;

    public int Calls => Volatile.Read(ref _calls);

    public IEnumerable<HealthStatusChange> LastWords => _last.Values;

    public Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
    {
        _last[(change.Kind, change.Name)] = change;
        return Interlocked.Increment(ref _calls) == 1 ? _never.Task : Task.CompletedTask;
    }
}
