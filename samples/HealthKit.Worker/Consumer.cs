using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit.Worker;

/// <summary>
/// Takes messages off the queue one at a time. On shutdown it finishes the message in hand and stops; the messages still
/// waiting would stay on a real broker for the next instance.
/// </summary>
internal sealed class Consumer(WorkQueue queue, IOptions<WorkerOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var processing = options.Value.ProcessingTime;
        try
        {
            await foreach (var _ in queue.Reader.ReadAllAsync(stoppingToken))
            {
                // Stands in for the real work; not cancelled by the stop, so a message taken is a message finished.
                await Task.Delay(processing, time, CancellationToken.None);
                queue.MarkConsumed();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
