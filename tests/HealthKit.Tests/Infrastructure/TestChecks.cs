using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Infrastructure;

/// <summary>A check that returns a fixed result and counts its runs.</summary>
internal sealed class CountingCheck(Func<HealthCheckResult>? result = null) : IHealthCheck
{
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public TaskCompletionSource? Gate { get; set; }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _runs);
        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return result?.Invoke() ?? HealthCheckResult.Healthy("counted");
    }
}

/// <summary>A check that throws the exception it is given.</summary>
internal sealed class ThrowingCheck(Exception exception) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        throw exception;
}

/// <summary>
/// A check that blocks its thread and ignores its token, as a driver stuck in a socket read does. Only one may be inside
/// at a time, or <see cref="MaxConcurrent"/> shows it.
/// </summary>
internal sealed class StuckCheck(TimeSpan blockFor) : IHealthCheck, IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private int _running;
    private int _maxConcurrent;
    private int _runs;

    public int Runs => Volatile.Read(ref _runs);

    public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _runs);
        var running = Interlocked.Increment(ref _running);
        int seen;
        while ((seen = Volatile.Read(ref _maxConcurrent)) < running && Interlocked.CompareExchange(ref _maxConcurrent, running, seen) != seen)
        {
        }

        try
        {
            _release.Wait(blockFor, CancellationToken.None);
            return Task.FromResult(HealthCheckResult.Healthy("finally finished"));
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }

    public void Release() => _release.Set();

    public void Dispose()
    {
        _release.Set();
        _release.Dispose();
    }
}

/// <summary>Runs another check with a token that never fires, as a driver that ignores cancellation does.</summary>
internal sealed class IgnoresTokenCheck(CountingCheck inner) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        inner.CheckHealthAsync(context, CancellationToken.None);
}
