namespace HealthKit.Tests.Infrastructure;

/// <summary>Bounded polling for work that another thread finishes: at most 1,000 polls, 10 ms apart (10 s).</summary>
internal static class Eventually
{
    public static Task True(Func<bool> condition) => True(() => Task.FromResult(condition()));

    public static async Task True(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 1000; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Fail("condition not met within 10 s");
    }
}
