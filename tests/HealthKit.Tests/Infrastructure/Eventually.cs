namespace HealthKit.Tests.Infrastructure;

/// <summary>Bounded polling for work that another thread, a server or a socket finishes in its own time.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(10);

    public static Task True(Func<bool> condition) => WaitUntilAsync(condition, DefaultLimit);

    public static Task True(Func<Task<bool>> condition) => WaitUntilAsync(condition, DefaultLimit);

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
