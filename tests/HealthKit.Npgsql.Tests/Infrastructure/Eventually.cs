namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>Bounded waits for something a real server or socket does in its own time.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public static Task WaitUntilAsync(Func<bool> condition, TimeSpan limit) =>
        WaitUntilAsync(() => Task.FromResult(condition()), limit);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < limit, $"the condition did not hold within {limit}");
            await Task.Delay(Poll, TestContext.Current.CancellationToken);
        }
    }
}
