using System.ComponentModel.DataAnnotations;

namespace HealthKit.Worker;

/// <summary>The worker's own settings, bound from <c>Worker</c>.</summary>
internal sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>How often the producer enqueues a message. The default is 200 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan ProducePeriod { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the consumer takes over one message. The default is 20 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ProcessingTime { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The lag (age of the oldest waiting message) from which the lag check reports Degraded. The default is 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan DegradedLag { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The lag from which the lag check reports Unhealthy. The default is 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan UnhealthyLag { get; set; } = TimeSpan.FromSeconds(30);
}
