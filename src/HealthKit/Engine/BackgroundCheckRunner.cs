using HealthKit.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthKit.Engine;

/// <summary>
/// Runs <see cref="HealthCheckMode.Background"/> checks on their period, so that requests for them never call the
/// dependency. A run that ignores its token delays the next one; runs never pile up.
/// </summary>
internal sealed class BackgroundCheckRunner : BackgroundService
{
    private const double Jitter = 0.1;

    private readonly HealthEngine _engine;
    private readonly ILogger<BackgroundCheckRunner> _logger;

    public BackgroundCheckRunner(HealthEngine engine, ILogger<BackgroundCheckRunner> logger)
    {
        _engine = engine;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new List<Task>();
        foreach (var slot in _engine.Slots)
        {
            if (slot.Policy.Mode == HealthCheckMode.Background)
            {
                loops.Add(RunLoopAsync(slot, stoppingToken));
            }
        }

        return Task.WhenAll(loops);
    }

    private async Task RunLoopAsync(CheckSlot slot, CancellationToken stoppingToken)
    {
        var time = _engine.TimeProvider;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await slot.GetOrStartRun(out _).WaitAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(NextDelay(slot.Policy.Period), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive anything; the engine already turns check failures into results.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.BackgroundRunFailed(_logger, ex, slot.Name);
                try
                {
                    await Task.Delay(slot.Policy.Period, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The period, lengthened or shortened by up to 10%, so that replicas drift apart.</summary>
    private static TimeSpan NextDelay(TimeSpan period)
    {
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var factor = 1 + (((Random.Shared.NextDouble() * 2) - 1) * Jitter);
#pragma warning restore CA5394
        return period * factor;
    }
}
