using System.Numerics;

namespace HealthKit.Latency;

/// <summary>
/// A sliding-window latency histogram: one log-linear histogram per second, kept for the window's length.
/// </summary>
/// <remarks>
/// <para>
/// Recording is a handful of integer operations and one interlocked increment: no lock and no allocation. Buckets have
/// 16 linear steps per power of two of microseconds, so a reported percentile is within 1/16 (6.25%) of the true value,
/// from 1 µs up to about 134 s (longer requests count in the last bucket).
/// </para>
/// <para>
/// A slot is cleared when the first request of a new second reaches it; requests of that second that arrive while it is
/// being cleared wait for the clearing to end (a few hundred nanoseconds), so none is lost. Only a request that read the
/// clock before another thread moved its slot on to a later second, a full window later, is dropped.
/// </para>
/// </remarks>
internal sealed class LatencyRecorder
{
    internal const int SubBucketBits = 4;
    internal const int SubBuckets = 1 << SubBucketBits;
    internal const int MaxExponent = 27;
    internal const int BucketCount = ((MaxExponent - SubBucketBits + 2) * SubBuckets);

    private readonly TimeProvider _timeProvider;
    private readonly Slot[] _slots;
    private readonly long _windowSeconds;

    public LatencyRecorder(TimeSpan window, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _windowSeconds = Math.Max(1, (long)Math.Ceiling(window.TotalSeconds));
        _slots = new Slot[_windowSeconds + 1];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot();
        }
    }

    public TimeSpan Window => TimeSpan.FromSeconds(_windowSeconds);

    /// <summary>
    /// Records one request that took <paramref name="elapsedTimestampTicks"/> of the provider's timestamp ticks and ended
    /// as <paramref name="outcome"/> says.
    /// </summary>
    public void Record(long elapsedTimestampTicks, long nowTimestamp, RequestOutcome outcome = RequestOutcome.Answered)
    {
        var frequency = _timeProvider.TimestampFrequency;
        var second = nowTimestamp / frequency;
        var slot = _slots[second % _slots.Length];
        if (Volatile.Read(ref slot.Epoch) != second && !MoveTo(slot, second))
        {
            return;
        }

        var micros = elapsedTimestampTicks <= 0 ? 0 : (long)(elapsedTimestampTicks * (1_000_000.0 / frequency));
        Interlocked.Increment(ref slot.Counts[BucketOf(micros)]);

        // A successful request, the common case, pays one comparison for the error rate.
        if (outcome != RequestOutcome.Answered)
        {
            Interlocked.Increment(ref outcome == RequestOutcome.ServerError ? ref slot.ServerErrors : ref slot.Thrown);
        }
    }

    /// <summary>
    /// Makes <paramref name="slot"/> the slot of <paramref name="second"/>: the first thread claims it and clears it, and
    /// publishes the new second only once it is clear, so no thread counts into a slot that is about to be cleared.
    /// </summary>
    /// <returns><see langword="false"/> when another thread has already moved the slot on to a later second.</returns>
    private static bool MoveTo(Slot slot, long second)
    {
        var spin = default(SpinWait);
        while (true)
        {
            var epoch = Volatile.Read(ref slot.Epoch);
            if (epoch == second)
            {
                return true;
            }

            if (epoch > second)
            {
                // This thread read the clock before another thread moved the slot to a later second: the sample is a
                // window too old for the slot.
                return false;
            }

            if (epoch == Clearing)
            {
                spin.SpinOnce();
                continue;
            }

            if (Interlocked.CompareExchange(ref slot.Epoch, Clearing, epoch) == epoch)
            {
                Array.Clear(slot.Counts);
                slot.ServerErrors = 0;
                slot.Thrown = 0;
                Volatile.Write(ref slot.Epoch, second);
                return true;
            }
        }
    }

    /// <summary>Records a duration measured elsewhere, at the current time.</summary>
    public void Record(TimeSpan elapsed, RequestOutcome outcome = RequestOutcome.Answered) =>
        Record((long)(elapsed.TotalSeconds * _timeProvider.TimestampFrequency), _timeProvider.GetTimestamp(), outcome);

    /// <summary>Sums the window's histograms.</summary>
    public LatencySnapshot Snapshot()
    {
        var second = _timeProvider.GetTimestamp() / _timeProvider.TimestampFrequency;
        var merged = new long[BucketCount];
        long total = 0;
        long serverErrors = 0;
        long thrown = 0;
        foreach (var slot in _slots)
        {
            var epoch = Volatile.Read(ref slot.Epoch);
            if (epoch > second - _windowSeconds && epoch <= second)
            {
                serverErrors += Volatile.Read(ref slot.ServerErrors);
                thrown += Volatile.Read(ref slot.Thrown);
                var counts = slot.Counts;
                for (var i = 0; i < counts.Length; i++)
                {
                    var count = Volatile.Read(ref counts[i]);
                    merged[i] += count;
                    total += count;
                }
            }
        }

        return new LatencySnapshot(merged, total, serverErrors, thrown);
    }

    internal static int BucketOf(long micros)
    {
        if (micros < SubBuckets)
        {
            return (int)micros;
        }

        var exponent = BitOperations.Log2((ulong)micros);
        if (exponent > MaxExponent)
        {
            return BucketCount - 1;
        }

        var sub = (int)(micros >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return ((exponent - SubBucketBits + 1) * SubBuckets) + sub;
    }

    /// <summary>The midpoint, in microseconds, of the values that fall in <paramref name="bucket"/>.</summary>
    internal static double MidpointOf(int bucket)
    {
        if (bucket < SubBuckets)
        {
            return bucket;
        }

        var exponent = (bucket / SubBuckets) + SubBucketBits - 1;
        var sub = bucket % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        var lower = (SubBuckets + sub) * width;
        return lower + ((width - 1) / 2.0);
    }

    /// <summary>The epoch of a slot while one thread clears it for a new second.</summary>
    private const long Clearing = -2;

    private sealed class Slot
    {
        public long Epoch = -1;
        public readonly int[] Counts = new int[BucketCount];
        public int ServerErrors;
        public int Thrown;
    }
}

/// <summary>How a recorded request ended.</summary>
internal enum RequestOutcome : byte
{
    /// <summary>Answered with a status below 500, or aborted by the client.</summary>
    Answered,

    /// <summary>Answered with a 5xx status.</summary>
    ServerError,

    /// <summary>The pipeline threw.</summary>
    Threw,
}

/// <summary>The merged histogram of a window, with the counts of failed requests in it.</summary>
internal sealed class LatencySnapshot(long[] counts, long total, long serverErrors = 0, long thrown = 0)
{
    public long Count => total;

    /// <summary>Requests answered with a 5xx status.</summary>
    public long ServerErrorCount => serverErrors;

    /// <summary>Requests whose pipeline threw (a client that went away is not one).</summary>
    public long ThrownCount => thrown;

    /// <summary>The latency at <paramref name="percentile"/> (0 to 100), or zero when there are no samples.</summary>
    public TimeSpan Percentile(double percentile)
    {
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return TimeSpan.FromMicroseconds(LatencyRecorder.MidpointOf(i));
            }
        }

        return TimeSpan.FromMicroseconds(LatencyRecorder.MidpointOf(counts.Length - 1));
    }
}
