using HealthKit.Latency;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Latency;

public sealed class LatencyRecorderTests
{
    [Fact]
    public void Percentiles_OfUniformSamples_AreWithinBucketPrecision()
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(60), time);
        for (var ms = 1; ms <= 1000; ms++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(ms));
        }

        var snapshot = recorder.Snapshot();

        Assert.Equal(1000, snapshot.Count);
        AssertClose(500, snapshot.Percentile(50).TotalMilliseconds);
        AssertClose(950, snapshot.Percentile(95).TotalMilliseconds);
        AssertClose(990, snapshot.Percentile(99).TotalMilliseconds);
    }

    [Fact]
    public void Record_ManyThreadsStartingANewSecond_LosesNoRequest()
    {
        // Every round starts a new second, so the first thread to record in it clears a slot that the others are
        // recording into at the same moment. More threads than this machine has cores, so that they are preempted
        // in the middle of it; bounded by the number of rounds.
        const int Threads = 4;
        const int Rounds = 3000;
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(1), time);
        using var start = new Barrier(Threads + 1);
        using var done = new Barrier(Threads + 1);
        var workers = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            for (var round = 0; round < Rounds; round++)
            {
                start.SignalAndWait();
                recorder.Record(TimeSpan.FromMilliseconds(5));
                done.SignalAndWait();
            }
        }) { IsBackground = true }).ToList();
        workers.ForEach(worker => worker.Start());

        var lost = 0L;
        for (var round = 0; round < Rounds; round++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            start.SignalAndWait(TestContext.Current.CancellationToken);
            done.SignalAndWait(TestContext.Current.CancellationToken);
            lost += Threads - recorder.Snapshot().Count;
        }

        workers.ForEach(worker => worker.Join());
        Assert.Equal(0, lost);
    }

    [Fact]
    public void Window_Slides_OldSamplesDropOut()
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(10), time);
        for (var i = 0; i < 50; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(900));
        }

        time.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 50; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(100, recorder.Snapshot().Count);
        AssertClose(900, recorder.Snapshot().Percentile(99).TotalMilliseconds);

        time.Advance(TimeSpan.FromSeconds(6));
        var later = recorder.Snapshot();
        Assert.Equal(50, later.Count);
        AssertClose(10, later.Percentile(99).TotalMilliseconds);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, recorder.Snapshot().Count);
        Assert.Equal(TimeSpan.Zero, recorder.Snapshot().Percentile(50));
    }

    [Fact]
    public void Slot_IsReused_AfterTheWindowWrapsAround()
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(2), time);
        recorder.Record(TimeSpan.FromMilliseconds(5));
        time.Advance(TimeSpan.FromSeconds(3));
        recorder.Record(TimeSpan.FromMilliseconds(7));

        var snapshot = recorder.Snapshot();

        Assert.Equal(1, snapshot.Count);
        AssertClose(7, snapshot.Percentile(50).TotalMilliseconds);
    }

    [Fact]
    public void Buckets_AreMonotonic_AndWithinOneSixteenth()
    {
        var previous = -1;
        for (long micros = 0; micros < 1L << 28; micros = (micros * 11 / 10) + 1)
        {
            var bucket = LatencyRecorder.BucketOf(micros);
            Assert.True(bucket >= previous, $"bucket of {micros} went backwards");
            Assert.InRange(bucket, 0, LatencyRecorder.BucketCount - 1);
            var midpoint = LatencyRecorder.MidpointOf(bucket);
            Assert.True(Math.Abs(midpoint - micros) <= Math.Max(1, micros / 16.0), $"{micros} µs -> {midpoint}");
            previous = bucket;
        }
    }

    [Fact]
    public void VeryLongRequests_CountInTheLastBucket()
    {
        Assert.Equal(LatencyRecorder.BucketCount - 1, LatencyRecorder.BucketOf(long.MaxValue / 2));
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.InRange(actual, expected * (1 - (1 / 16.0)) - 0.001, expected * (1 + (1 / 16.0)) + 0.001);
}
