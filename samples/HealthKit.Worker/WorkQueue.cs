using System.Threading.Channels;

namespace HealthKit.Worker;

/// <summary>One message: its number and when it was enqueued.</summary>
internal sealed record WorkItem(long Number, long EnqueuedAt);

/// <summary>The in-process queue between <see cref="Producer"/> and <see cref="Consumer"/>.</summary>
internal sealed class WorkQueue(TimeProvider time)
{
    private readonly Channel<WorkItem> _channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private long _consumed;

    public ChannelReader<WorkItem> Reader => _channel.Reader;

    public ChannelWriter<WorkItem> Writer => _channel.Writer;

    /// <summary>Messages the consumer has finished.</summary>
    public long Consumed => Interlocked.Read(ref _consumed);

    /// <summary>Messages waiting.</summary>
    public int Waiting => _channel.Reader.Count;

    /// <summary>How long the oldest waiting message has waited; zero when none waits.</summary>
    public TimeSpan Lag => _channel.Reader.TryPeek(out var oldest) ? time.GetElapsedTime(oldest.EnqueuedAt) : TimeSpan.Zero;

    public void MarkConsumed() => Interlocked.Increment(ref _consumed);
}
