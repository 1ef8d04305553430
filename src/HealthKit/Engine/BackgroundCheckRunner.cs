using HealthKit.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthKit.Engine;

/// <summary>
/// Runs <see cref="HealthCheckMode.Background"/> checks on their period, so that requests for them never call the
/// dependency. The first run starts with the host, so a first result exists by the time probes arrive. A run ends by its
/// timeout at the latest, and a check that ignores its token is never started twice; runs never pile up.
/// </summary>
/// <remarks>The loop of a check never ends before the host stops: whatever a run or a wait throws is logged and the loop goes on.</remarks>
internal sealed class BackgroundCheckRunner : BackgroundService
{
    private const double Jitter = 0.1;

    /// <summary>The longest wait a timer takes (about 49.7 days), less a margin.</summary>
    internal static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(uint.MaxValue - 2.0);

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
                await slot.GetOrStartRun(time.GetTimestamp(), reuseFresh: false).WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The loop must survive anything; runs never fault, so this is a defect worth a log line.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.BackgroundRunFailed(_logger, ex, slot.Name);
            }

            try
            {
                await Task.Delay(NextDelay(slot.Policy.Period), time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // As above: a wait that throws must not end the loop.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.BackgroundRunFailed(_logger, ex, slot.Name);
            }
        }
    }

    /// <summary>
    /// The period, lengthened or shortened by up to 10% so that replicas drift apart, and held within what a timer can
    /// wait whatever the period.
    /// </summary>
    internal static TimeSpan NextDelay(TimeSpan period)
    {
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        var factor = 1 + (((Random.Shared.NextDouble() * 2) - 1) * Jitter);
#pragma warning restore CA5394
        var milliseconds = period.TotalMilliseconds * factor;
        return milliseconds >= MaxWait.TotalMilliseconds ? MaxWait
            : milliseconds < 1 ? TimeSpan.FromMilliseconds(1)
            : TimeSpan.FromMilliseconds(milliseconds);
    }
}
