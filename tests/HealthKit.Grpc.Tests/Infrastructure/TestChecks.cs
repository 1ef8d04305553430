using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Grpc.Tests.Infrastructure;

/// <summary>A check whose status the test sets, counting its runs.</summary>
internal sealed class SwitchCheck(HealthStatus status = HealthStatus.Healthy) : IHealthCheck
{
    private int _status = (int)status;
    private int _runs;

    public HealthStatus Status
    {
        get => (HealthStatus)Volatile.Read(ref _status);
        set => Volatile.Write(ref _status, (int)value);
    }

    public int Runs => Volatile.Read(ref _runs);

    /// <summary>How long each run takes; zero answers at once.</summary>
    public TimeSpan Delay { get; init; }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _runs);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return new HealthCheckResult(Status);
    }
}

/// <summary>A check that never returns and ignores its token.</summary>
internal sealed class HungCheck : IHealthCheck
{
    private readonly TaskCompletionSource<HealthCheckResult> _never = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => _never.Task;
}
