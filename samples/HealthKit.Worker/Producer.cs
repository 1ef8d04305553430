using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit.Worker;

/// <summary>Enqueues a message every <see cref="WorkerOptions.ProducePeriod"/>, as an upstream system would publish them.</summary>
internal sealed class Producer(WorkQueue queue, IOptions<WorkerOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ProducePeriod, time);
        var number = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await queue.Writer.WriteAsync(new WorkItem(++number, time.GetTimestamp()), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }
}
