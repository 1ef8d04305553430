using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that records every timer created on it, so that a test can wait until the code under
/// test is parked on the clock (a request waiting for its deadline, a loop waiting for its period) before it moves the
/// clock or releases a gate, instead of hoping that a sleep was long enough.
/// </summary>
internal sealed class ObservableTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();

    public ObservableTimeProvider()
    {
    }

    public ObservableTimeProvider(DateTimeOffset startDateTime)
        : base(startDateTime)
    {
    }

    /// <summary>How many timers have been created so far, whether or not they have fired or been disposed since.</summary>
    public int TimersCreated => _dueTimes.Count;

    /// <summary>How many timers have been created so far with exactly <paramref name="dueTime"/>.</summary>
    public int TimersCreatedWith(TimeSpan dueTime) => TimersCreatedWith(d => d == dueTime);

    /// <summary>How many timers have been created so far with a due time that <paramref name="dueTime"/> accepts.</summary>
    public int TimersCreatedWith(Func<TimeSpan, bool> dueTime) => _dueTimes.Count(dueTime);

    /// <summary>Waits until at least <paramref name="count"/> timers have been created in all.</summary>
    public Task WaitForTimersAsync(int count, TimeSpan? limit = null) =>
        Eventually.WaitUntilAsync(() => TimersCreated >= count, limit ?? TimeSpan.FromSeconds(30));

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _dueTimes.Enqueue(dueTime);
        return timer;
    }
}
