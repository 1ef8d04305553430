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
    // Stryker disable once Arithmetic : static initialiser, runs once per test process; NextDelay_BeyondWhatATimerCanWait_IsHeldAtMaxWait fails when it changes
    internal static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(uint.MaxValue - 2.0);

    private readonly HealthEngine _engine;
    private readonly ILogger<BackgroundCheckRunner> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<CheckSlot, Task> _loops = [];
    private TaskCompletionSource _changed = NewSignal();
    private CancellationToken _stoppingToken;

    public BackgroundCheckRunner(HealthEngine engine, ILogger<BackgroundCheckRunner> logger)
    {
        _engine = engine;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stoppingToken = stoppingToken;
        _engine.PoliciesChanged += OnPoliciesChanged;
        try
        {
            StartLoops();
            var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (stoppingToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), stopped))
            {
                await stopped.Task.ConfigureAwait(false);
            }
        }
        finally
        {
            // Stryker disable once Assignment : once the host has stopped, StartLoops returns at once and no loop waits on the signal
            _engine.PoliciesChanged -= OnPoliciesChanged;
        }

        Task[] loops;
        lock (_gate)
        {
            loops = [.. _loops.Values];
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A reload may have moved a check into or out of Background mode, or changed its period: wake every loop.</summary>
    private void OnPoliciesChanged()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
        StartLoops();
    }

    /// <summary>Starts a loop for every Background check that has none.</summary>
    private void StartLoops()
    {
        lock (_gate)
        {
            if (_stoppingToken.IsCancellationRequested)
            {
                return;
            }

            foreach (var slot in _engine.Slots)
            {
                if (slot.Policy.Mode == HealthCheckMode.Background && !_loops.ContainsKey(slot))
                {
                    // Added before the loop runs a line, so that the loop's own exit (under the same lock) finds it.
                    _loops[slot] = Task.CompletedTask;
                    var loop = RunLoopAsync(slot, _stoppingToken);
                    if (loop.IsCompleted)
                    {
                        _loops.Remove(slot);
                    }
                    else
                    {
                        _loops[slot] = loop;
                    }
                }
            }
        }
    }

    /// <summary>Ends the loop of a check that is no longer in Background mode; under the lock, so a reload cannot slip between.</summary>
    private bool LeavesBackground(CheckSlot slot)
    {
        lock (_gate)
        {
            if (slot.Policy.Mode == HealthCheckMode.Background)
            {
                return false;
            }

            _loops.Remove(slot);
            return true;
        }
    }

    private async Task RunLoopAsync(CheckSlot slot, CancellationToken stoppingToken)
    {
        var time = _engine.TimeProvider;
        while (!stoppingToken.IsCancellationRequested)
        {
            // A disabled check keeps its loop, so that enabling it again needs no new one, but it is not run. The epoch is
            // read first: a disable or enable after this line changes it, and the wait below runs the check at once.
            var epoch = slot.Epoch;
            var ran = slot.Policy.Enabled;
            if (ran)
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
                    Log.BackgroundRunFailed(_logger, ex, slot.Name, _engine.Redaction);
                }
            }

            try
            {
                if (!await WaitForNextRunAsync(slot, epoch, stoppingToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // As above: a wait that throws must not end the loop.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.BackgroundRunFailed(_logger, ex, slot.Name, _engine.Redaction);
            }
        }
    }

    /// <summary>
    /// Waits one period from now. A reload wakes the wait: a new period is counted from the start of the wait, a check
    /// enabled again runs at once (its last result is from before it was turned off), whatever happened in between
    /// (disabled and enabled again within one period included), and a check taken out of Background mode ends its loop
    /// (returns <see langword="false"/>).
    /// </summary>
    /// <param name="slot">The check.</param>
    /// <param name="epoch">The slot's <see cref="CheckSlot.Epoch"/> read before the run that preceded this wait.</param>
    /// <param name="stoppingToken">Fires when the host stops.</param>
    private async Task<bool> WaitForNextRunAsync(CheckSlot slot, int epoch, CancellationToken stoppingToken)
    {
        var time = _engine.TimeProvider;
        var waitStarted = time.GetTimestamp();
        var period = slot.Policy.Period;
        var delay = NextDelay(period);
        while (true)
        {
            if (LeavesBackground(slot))
            {
                return false;
            }

            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            // Read after taking the signal, so that an enable after this line wakes the wait below.
            if (slot.Epoch != epoch && slot.Policy.Enabled)
            {
                return true;
            }

            var remaining = delay - time.GetElapsedTime(waitStarted);
            // Stryker disable once Equality : exactly zero needs the clock on the random delay to the tick; the 0 ms wait then rereads a clock that has moved on
            if (remaining <= TimeSpan.Zero)
            {
                return true;
            }

            // Timers count whole milliseconds: a fraction would fire at once, find time still short, and spin.
            remaining = TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds));

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var elapsed = Task.Delay(remaining, time, wait.Token);
            var first = await Task.WhenAny(elapsed, changed).ConfigureAwait(false);
            await wait.CancelAsync().ConfigureAwait(false);
            stoppingToken.ThrowIfCancellationRequested();
            if (first == elapsed)
            {
                continue;
            }

            var policy = slot.Policy;
            if (policy.Period != period)
            {
                period = policy.Period;
                delay = NextDelay(period);
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
        // Stryker disable once Arithmetic : 1 - x and 1 + x have the same distribution for x uniform around zero
        var factor = 1 + (((Random.Shared.NextDouble() * 2) - 1) * Jitter);
#pragma warning restore CA5394
        var milliseconds = period.TotalMilliseconds * factor;
        // Stryker disable once Equality : at either bound both branches give the same TimeSpan
        return milliseconds >= MaxWait.TotalMilliseconds ? MaxWait
            : milliseconds < 1 ? TimeSpan.FromMilliseconds(1)
            : TimeSpan.FromMilliseconds(milliseconds);
    }
}
