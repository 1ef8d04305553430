using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>
/// Test-only: a check that blocks its thread and ignores its token, as a synchronous driver call stuck on a dead server
/// does. With <c>afterAwait</c>, it first leaves HealthKit's check threads with <c>ConfigureAwait(false)</c> and blocks a
/// thread-pool thread instead.
/// </summary>
internal sealed class SampleBlockingCheck(TimeSpan blockFor, bool afterAwait) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (afterAwait)
        {
            await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
        }

        Thread.Sleep(blockFor);
        return HealthCheckResult.Healthy("blocked its thread, then returned");
    }
}
