using System.Text.Json;
using HealthKit.Redaction;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Redaction;

/// <summary>The walk over a check's data at its limits: how many items each shape keeps, and how each kind of value is read.</summary>
public sealed class DataWalkerTests
{
    private static KeyValuePair<string, object?>[] Walk(IEnumerable<KeyValuePair<string, object>> data) =>
        new DataWalker(SecretRedactor.Default, TimeProvider.System).Walk(data);

    private static object? WalkOne(object value) => Assert.Single(Walk([new("v", value)])).Value;

    [Fact]
    public void Walk_MoreTopLevelEntriesThanTheLimit_KeepsTheFirst()
    {
        var data = Walk(Enumerable.Range(0, DataWalker.MaxItems + 5).Select(i => new KeyValuePair<string, object>("k" + i, i)));

        Assert.Equal(DataWalker.MaxItems, data.Length);
        Assert.Equal("k99", data[^1].Key);
    }

    [Fact]
    public void Walk_NestedDictionaryLongerThanTheLimit_KeepsTheFirst()
    {
        var nested = Enumerable.Range(0, DataWalker.MaxItems + 5).ToDictionary(i => "k" + i, i => (object)i);

        var entries = Assert.IsType<KeyValuePair<string, object?>[]>(WalkOne(nested));

        Assert.Equal(DataWalker.MaxItems, entries.Length);
    }

    [Fact]
    public void Walk_ArrayLongerThanTheLimit_KeepsTheFirst()
    {
        var items = Assert.IsType<object?[]>(WalkOne(Enumerable.Range(0, DataWalker.MaxItems + 5).ToArray()));

        Assert.Equal(DataWalker.MaxItems, items.Length);
        Assert.Equal(DataWalker.MaxItems - 1, items[^1]);
    }

    [Fact]
    public void Walk_SequenceOfPairsLongerThanTheLimit_IsAnObjectOfTheFirst()
    {
        var pairs = Enumerable.Range(0, DataWalker.MaxItems + 5).Select(i => ("k" + i, (object)i)).ToList();

        var entries = Assert.IsType<KeyValuePair<string, object?>[]>(WalkOne(pairs));

        Assert.Equal(DataWalker.MaxItems, entries.Length);
    }

    [Fact]
    public void Walk_EndlessSequence_IsReadOnlyUpToTheLimit()
    {
        var items = Assert.IsType<object?[]>(WalkOne(Endless()));

        Assert.Equal(DataWalker.MaxItems, items.Length);
    }

    [Fact]
    public void Walk_JsonArrayAndObjectLongerThanTheLimit_KeepTheFirst()
    {
        var array = JsonSerializer.SerializeToElement(Enumerable.Range(0, DataWalker.MaxItems + 5));
        var obj = JsonSerializer.SerializeToElement(Enumerable.Range(0, DataWalker.MaxItems + 5).ToDictionary(i => "k" + i, i => i));

        Assert.Equal(DataWalker.MaxItems, Assert.IsType<object?[]>(WalkOne(array)).Length);
        Assert.Equal(DataWalker.MaxItems, Assert.IsType<KeyValuePair<string, object?>[]>(WalkOne(obj)).Length);
    }

    [Fact]
    public void Walk_NullTopLevelKey_BecomesEmpty()
    {
        var entry = Assert.Single(Walk([new(null!, 1)]));

        Assert.Equal(string.Empty, entry.Key);
    }

    [Fact]
    public void Walk_FiniteDouble_StaysANumber()
    {
        Assert.Equal(1.5d, Assert.IsType<double>(WalkOne(1.5d)));
        Assert.Equal("Infinity", WalkOne(double.PositiveInfinity));
    }

    [Fact]
    public void Walk_EmptySequence_IsAnEmptyArray()
    {
        Assert.Empty(Assert.IsType<object?[]>(WalkOne(new List<string>())));
    }

    [Fact]
    public void Walk_TupleOfThree_IsAnArrayOfItsItems()
    {
        var items = Assert.IsType<object?[]>(WalkOne(("a", 1, 2.5)));

        Assert.Equal(["a", 1, 2.5d], items);
    }

    [Fact]
    public void Walk_FrameworkTypes_AreText_NotTheirProperties()
    {
        using var source = new CancellationTokenSource();
        var registration = new HealthCheckRegistration("x", _ => null!, null, null);

        Assert.Equal("System.Object", WalkOne(new object()));
        Assert.Equal("System.Threading.CancellationTokenSource", WalkOne(source));
        Assert.Equal(typeof(HealthCheckRegistration).FullName, WalkOne(registration));
        Assert.Equal("1.2", WalkOne(new Version(1, 2)));
    }

    [Fact]
    public void Walk_ApplicationTypes_AreReadByProperty_UnlessTheyHaveText()
    {
        var record = Assert.IsType<KeyValuePair<string, object?>[]>(WalkOne(new Point(1, 2)));
        var plain = Assert.IsType<KeyValuePair<string, object?>[]>(WalkOne(new Plain()));

        Assert.Equal([new("X", 1), new("Y", 2)], record);
        Assert.Equal([new("Name", "plain")], plain);
        Assert.Equal("described", WalkOne(new Described()));
    }

    [Fact]
    public void Walk_TextThatIsNullOrThrows_IsEmptyOrTheTypeName()
    {
        Assert.Equal(string.Empty, WalkOne(new NullText()));
        Assert.Equal(nameof(ThrowingText), WalkOne(new ThrowingText()));
    }

    private static IEnumerable<int> Endless()
    {
        for (var i = 0; ; i++)
        {
            yield return i;
        }
    }

    private sealed record Point(int X, int Y);

    private sealed class Plain
    {
        public string Name => "plain";
    }

    private sealed class Described
    {
        public string Hidden => "not read";

        public override string ToString() => "described";
    }

    private sealed class NullText
    {
        public override string ToString() => null!;
    }

    private sealed class ThrowingText
    {
        public override string ToString() => throw new InvalidOperationException("password=hk-text");
    }
}
