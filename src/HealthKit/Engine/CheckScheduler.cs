using System.Diagnostics.Metrics;
using HealthKit.Internal;
using Microsoft.Extensions.Logging;

namespace HealthKit.Engine;

/// <summary>
/// Where check runs start: a bounded set of dedicated threads, not the shared thread pool. A check that blocks its thread
/// (a synchronous driver call, <c>Thread.Sleep</c>, <c>.Result</c>) holds one of these, so the requests, the timers and
/// the lifecycle checks, which all run on the pool, never wait for a thread that a check holds.
/// </summary>
/// <remarks>
/// <para>
/// A check's continuations stay here too, unless the check leaves with <c>ConfigureAwait(false)</c>: they are queued to
/// <see cref="TaskScheduler.Current"/>, which is this scheduler while the check's code runs on it.
/// </para>
/// <para>
/// Threads are started when work arrives and none is idle, up to <see cref="HealthKitOptions.CheckThreads"/>, and end
/// after <see cref="IdleTimeout"/> without work. When every thread is held, runs wait in a queue; each still ends at its
/// timeout, because its timer runs on the pool. The start and the end of such an episode are logged once each.
/// </para>
/// </remarks>
internal sealed class CheckScheduler : TaskScheduler, IDisposable
{
    /// <summary>How long a thread waits for work before it ends. Not a health timing, so not on the engine's clock.</summary>
    internal static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);

    [ThreadStatic]
    private static CheckScheduler? t_owner;

    private readonly object _gate = new();
    private readonly Queue<Task> _queue = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private int _threads;
    private int _idle;
    private int _busy;
    private bool _disposed;
    private long _saturatedSince;
    private int _waitedInEpisode;
    private long _saturations;

    public CheckScheduler(int maxThreads, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        MaximumConcurrencyLevel = maxThreads;
        _time = time;
        _logger = logger;
    }

    /// <summary>The most threads it runs at once: <see cref="HealthKitOptions.CheckThreads"/>.</summary>
    public override int MaximumConcurrencyLevel { get; }

    /// <summary>Threads running a check's code now.</summary>
    public int Busy
    {
        get
        {
            lock (_gate)
            {
                return _busy;
            }
        }
    }

    /// <summary>Runs waiting for a thread: more than zero only while every thread is held.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>How many times every thread was held while a run waited for one.</summary>
    public long Saturations => Interlocked.Read(ref _saturations);

    /// <summary>Reports <see cref="Busy"/>, <see cref="Waiting"/> and <see cref="Saturations"/> on <paramref name="meter"/>.</summary>
    public void AddMetrics(Meter meter)
    {
        meter.CreateObservableGauge(
            "healthkit.check.threads.busy",
            () => Busy,
            unit: "{thread}",
            description: "Check threads running a check's code now; at most HealthKit:CheckThreads.");
        meter.CreateObservableGauge(
            "healthkit.check.threads.waiting",
            () => Waiting,
            unit: "{run}",
            description: "Check runs waiting for a check thread because checks hold every one of them (saturation); each still ends at its timeout.");
        meter.CreateObservableCounter(
            "healthkit.check.threads.saturations",
            () => Saturations,
            unit: "{episode}",
            description: "Times checks held every check thread while a run waited for one.");
    }

    /// <summary>Starts <paramref name="run"/> on a check thread; the returned task completes when the run's own task does.</summary>
    public Task Start(Func<Task> run) =>
        Task.Factory.StartNew(run, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Monitor.PulseAll(_gate);
        }
    }

    protected override void QueueTask(Task task)
    {
        var startThread = false;
        var saturated = false;
        lock (_gate)
        {
            _queue.Enqueue(task);
            if (_queue.Count <= _idle)
            {
                Monitor.Pulse(_gate);
            }
            else if (_threads < MaximumConcurrencyLevel)
            {
                _threads++;
                startThread = true;
            }
            else
            {
                _waitedInEpisode++;
                if (_saturatedSince == 0)
                {
                    _saturatedSince = _time.GetTimestamp();
                    _waitedInEpisode = 1;
                    saturated = true;
                }
            }
        }

        if (startThread)
        {
            new Thread(static state => ((CheckScheduler)state!).Work())
            {
                IsBackground = true,
                Name = "HealthKit check",
            }.UnsafeStart(this);
        }

        if (saturated)
        {
            Interlocked.Increment(ref _saturations);
            Log.CheckThreadsSaturated(_logger, MaximumConcurrencyLevel);
        }
    }

    /// <summary>A task may run inline only on a check thread: never on a pool thread a request or a timer needs back.</summary>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        t_owner == this && !taskWasPreviouslyQueued && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return [.. _queue];
        }
    }

    private void Work()
    {
        t_owner = this;
        while (true)
        {
            Task task;
            lock (_gate)
            {
                while (!_queue.TryDequeue(out task!))
                {
                    if (_disposed)
                    {
                        _threads--;
                        return;
                    }

                    _idle++;
                    var woken = Monitor.Wait(_gate, IdleTimeout);
                    _idle--;
                    if (!woken && _queue.Count == 0)
                    {
                        _threads--;
                        return;
                    }
                }

                _busy++;
            }

            TryExecuteTask(task);

            long since;
            int waited;
            lock (_gate)
            {
                _busy--;
                since = _saturatedSince;
                waited = _waitedInEpisode;
                if (since == 0 || _queue.Count > 0)
                {
                    continue;
                }

                _saturatedSince = 0;
                _waitedInEpisode = 0;
            }

            var elapsed = _time.GetElapsedTime(since);
            Log.CheckThreadsFree(_logger, elapsed.TotalMilliseconds, waited);
        }
    }
}
