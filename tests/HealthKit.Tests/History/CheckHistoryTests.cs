using System.Runtime.CompilerServices;
using HealthKit.History;
using HealthKit.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.History;

[Collection(nameof(CheckHistoryTests))]
[CollectionDefinition(nameof(CheckHistoryTests), DisableParallelization = true)]
public sealed class CheckHistoryTests
{
    private const string Secret = "hk-history-7c1e";

    [Fact]
    public void Record_BeyondCapacity_KeepsTheNewestInOrder()
    {
        var time = new FakeTimeProvider();
        var history = new CheckHistory(3, TimeSpan.FromHours(24), time);

        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            history.Record(time.GetUtcNow(), i == 0 ? null : Status(i - 1), Status(i), $"change {i}");
        }

        var entries = history.Snapshot().ToArray();
        Assert.Equal(["change 2", "change 3", "change 4"], entries.Select(e => e.Description));
        Assert.Equal([Status(1), Status(2), Status(3)], entries.Select(e => e.From));
        Assert.Equal([Status(2), Status(3), Status(4)], entries.Select(e => e.To));
        Assert.True(entries[0].At < entries[1].At && entries[1].At < entries[2].At);
        Assert.Equal(3, history.Flaps);
    }

    [Fact]
    public void Snapshot_AfterTheWindow_DropsOlderEntries()
    {
        var time = new FakeTimeProvider();
        var history = new CheckHistory(50, TimeSpan.FromMinutes(10), time);
        history.Record(time.GetUtcNow(), null, HealthStatus.Unhealthy, "down");
        time.Advance(TimeSpan.FromMinutes(6));
        history.Record(time.GetUtcNow(), HealthStatus.Unhealthy, HealthStatus.Healthy, "up");

        Assert.Equal(2, history.Flaps);

        // The first is now 10 min 1 s old: gone from reads at once, without waiting for the next change.
        time.Advance(TimeSpan.FromMinutes(4) + TimeSpan.FromSeconds(1));
        var entry = Assert.Single(history.Snapshot().ToArray());
        Assert.Equal("up", entry.Description);
        Assert.Equal(1, history.Flaps);

        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal(0, history.Snapshot().Length);
        Assert.Equal(0, history.Flaps);
    }

    [Fact]
    public void Record_TimeBeforeTheNewest_IsRecordedAsTheNewestsTime()
    {
        var time = new FakeTimeProvider();
        var history = new CheckHistory(50, TimeSpan.FromHours(1), time);
        var now = time.GetUtcNow();
        history.Record(now, null, HealthStatus.Unhealthy, "timed out");
        history.Record(now - TimeSpan.FromMilliseconds(5), HealthStatus.Unhealthy, HealthStatus.Healthy, "late result");

        var entries = history.Snapshot().ToArray();
        Assert.Equal([now, now], entries.Select(e => e.At));
        Assert.Equal(HealthStatus.Healthy, entries[^1].To);
    }

    [Fact]
    public void Record_CapacityZero_KeepsNothing()
    {
        var time = new FakeTimeProvider();
        var history = new CheckHistory(0, TimeSpan.FromHours(1), time);
        history.Record(time.GetUtcNow(), null, HealthStatus.Unhealthy, "down");

        Assert.Equal(0, history.Snapshot().Length);
    }

    [Fact]
    public void Record_LongDescriptionWithASecret_IsRedactedAndCut()
    {
        var time = new FakeTimeProvider();
        var history = new CheckHistory(5, TimeSpan.FromHours(1), time);
        var description = "\u202Eevil Host=db;Password=" + Secret + "; " + new string('x', 5000);

        history.Record(time.GetUtcNow(), null, HealthStatus.Unhealthy, description);

        var kept = Assert.Single(history.Snapshot().ToArray()).Description!;
        Assert.DoesNotContain(Secret, kept, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', kept);
        Assert.StartsWith("\\u202Eevil Host=db;Password=", kept, StringComparison.Ordinal);
        Assert.Contains("[truncated ", kept, StringComparison.Ordinal);
        Assert.True(kept.Length < CheckHistory.MaxDescriptionLength + 64, $"{kept.Length} characters kept");
    }

    /// <summary>
    /// A million changes through one ring: it never holds more than its capacity or anything older than its window, and
    /// what it keeps alive stays under the bound docs/endpoints.md states (capacity × <see cref="CheckHistory.MaxBytesPerEntry"/>).
    /// </summary>
    [Fact]
    public void Record_AMillionChanges_StaysWithinCapacityWindowAndMemoryBound()
    {
        const int Capacity = 50;
        var window = TimeSpan.FromHours(24);
        var time = new FakeTimeProvider();
        var longDescription = "Password=" + Secret + " " + new string('\u0007', 300) + new string('y', 2000);
        Assert.True(Unsafe.SizeOf<HistoryEntry>() <= 48, $"an entry takes {Unsafe.SizeOf<HistoryEntry>()} bytes");

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var history = new CheckHistory(Capacity, window, time);
        for (var i = 0; i < 1_000_000; i++)
        {
            // Mostly fast flapping, with a quiet day now and then, so both the capacity and the window do the dropping.
            time.Advance(i % 100_000 == 50_000 ? TimeSpan.FromHours(25) : TimeSpan.FromMilliseconds(250));
            var description = i % 1000 == 0 ? longDescription : (i % 2 == 0 ? "down" : "up");
            history.Record(time.GetUtcNow(), i == 0 ? null : Status(i + 1), Status(i), description);

            if (i % 10_000 == 0)
            {
                var entries = history.Snapshot();
                Assert.True(entries.Length <= Capacity, $"{entries.Length} entries after {i + 1} changes");
                Assert.True(entries[0].At >= time.GetUtcNow() - window, $"an entry of {entries[0].At} at {time.GetUtcNow()}");
            }
        }

        var kept = history.Snapshot().ToArray();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(history);

        Assert.Equal(Capacity, kept.Length);
        Assert.All(kept, e => Assert.True(e.At >= time.GetUtcNow() - window));
        var bound = (long)Capacity * CheckHistory.MaxBytesPerEntry;
        var counted = kept.Sum(e => Unsafe.SizeOf<HistoryEntry>() + 24L + (2L * (e.Description?.Length ?? 0)));
        TestContext.Current.TestOutputHelper?.WriteLine($"after 1,000,000 changes: {kept.Length} entries; their strings and slots hold {counted} bytes; the process retained {after - before} bytes more; the stated bound is {bound}");
        Assert.True(counted <= bound, $"the entries hold {counted} bytes; the stated bound is {bound}");

        // Measured across the whole process: other work may allocate, so the slack is generous; a ring that kept every
        // change would hold at least 40 MB of entries alone.
        Assert.True(after - before < bound + (4 << 20), $"{after - before} bytes retained; the stated bound is {bound}");
    }

    [Theory]
    [InlineData(-1, "00:01:00", "HealthKit:History:Capacity (-1) must be between 0 (no history) and 1000")]
    [InlineData(1001, "00:01:00", "HealthKit:History:Capacity (1001) must be between 0 (no history) and 1000")]
    [InlineData(50, "00:00:00.500", "HealthKit:History:Window must be at least 00:00:01 and at most 7.00:00:00 (was 00:00:00.5000000)")]
    [InlineData(50, "7.00:00:01", "HealthKit:History:Window must be at least 00:00:01 and at most 7.00:00:00 (was 7.00:00:01)")]
    public void Validate_OutOfRangeHistory_NamesTheKey(int capacity, string window, string expected)
    {
        var options = new HealthKitOptions();
        options.History.Capacity = capacity;
        options.History.Window = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture);

        var result = Validator().Validate(null, options);

        Assert.StartsWith(expected, Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "00:00:01")]
    [InlineData(1000, "7.00:00:00")]
    public void Validate_HistoryAtItsLimits_Succeeds(int capacity, string window)
    {
        var options = new HealthKitOptions();
        options.History.Capacity = capacity;
        options.History.Window = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(Validator().Validate(null, options).Succeeded);
    }

    private static HealthStatus Status(int i) => (HealthStatus)(i % 3);

    private static HealthKitOptionsValidator Validator() =>
        new(Options.Create(new HostOptions { ShutdownTimeout = TimeSpan.FromSeconds(30) }));
}
