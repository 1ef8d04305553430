using HealthKit.Engine;
using HealthKit.Redaction;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>What a check's description and data become in a response: the bounds on depth and on exception chains, and each value type.</summary>
public sealed class ResultSanitizerTests
{
    [Fact]
    public void SafeDescription_ExceptionMessageOnlyBeyondSixteenLinks_KeepsTheDescription()
    {
        // The description repeats only the 17th message of the chain: the search stops after 16 links.
        Exception exception = new InvalidOperationException("deep cause");
        for (var i = 0; i < 16; i++)
        {
            exception = new InvalidOperationException("wrapper", exception);
        }

        Assert.Equal("failed: deep cause", ResultSanitizer.SafeDescription("failed: deep cause", exception, includeExceptionDetails: false));
    }

    [Fact]
    public void SafeDescription_ExceptionMessageAtTheSixteenthLink_IsWithheld()
    {
        Exception exception = new InvalidOperationException("deep cause");
        for (var i = 0; i < 15; i++)
        {
            exception = new FormatException("wrapper", exception);
        }

        Assert.Equal("check threw FormatException", ResultSanitizer.SafeDescription("failed: deep cause", exception, includeExceptionDetails: false));
    }

    [Fact]
    public void SafeDescription_ExceptionWithEmptyMessage_KeepsTheDescription() =>
        Assert.Equal("all fine", ResultSanitizer.SafeDescription("all fine", new InvalidOperationException(string.Empty), includeExceptionDetails: false));

    [Fact]
    public void SanitizeData_Null_IsEmpty() => Assert.Empty(ResultSanitizer.SanitizeData(null));

    [Fact]
    public void SanitizeData_NestedDictionaries_AreWithheldFromTheFifthLevel()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["l0"] = new Dictionary<string, object> { ["l1"] = new Dictionary<string, object> { ["l2"] = new Dictionary<string, object> { ["l3"] = new Dictionary<string, object> { ["l4"] = new Dictionary<string, object> { ["l5"] = 5 } } } } },
        });

        var level = Assert.Single(sanitized).Value;
        foreach (var key in new[] { "l1", "l2", "l3", "l4" })
        {
            var entry = Assert.Single(Assert.IsType<KeyValuePair<string, object?>[]>(level));
            Assert.Equal(key, entry.Key);
            level = entry.Value;
        }

        Assert.Equal("[withheld]", level);
    }

    [Fact]
    public void SanitizeData_NestedPairs_AreWithheldFromTheFifthLevel()
    {
        static List<KeyValuePair<string, object>> Pairs(string key, object value) => [new(key, value)];
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["l0"] = Pairs("l1", Pairs("l2", Pairs("l3", Pairs("l4", Pairs("l5", 5))))),
        });

        var level = Assert.Single(sanitized).Value;
        foreach (var key in new[] { "l1", "l2", "l3", "l4" })
        {
            var entry = Assert.Single(Assert.IsType<KeyValuePair<string, object?>[]>(level));
            Assert.Equal(key, entry.Key);
            level = entry.Value;
        }

        Assert.Equal("[withheld]", level);
    }

    [Fact]
    public void SanitizeData_NestedLists_AreWithheldFromTheFifthLevel()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["l0"] = new object[] { new object[] { new object[] { new object[] { new object[] { 5 } } } } },
        });

        var level = Assert.Single(sanitized).Value;
        for (var i = 1; i <= 4; i++)
        {
            level = Assert.Single(Assert.IsType<object?[]>(level));
        }

        Assert.Equal("[withheld]", level);
    }

    [Fact]
    public void SanitizeData_NullKey_BecomesEmpty()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["pairs"] = new List<KeyValuePair<string, object>> { new(null!, 1) },
        });

        var entry = Assert.Single(Assert.IsType<KeyValuePair<string, object?>[]>(Assert.Single(sanitized).Value));
        Assert.Equal(new KeyValuePair<string, object?>(string.Empty, 1), entry);
    }

    [Fact]
    public void SanitizeData_ThreeKeysEqualOnceRedacted_AreNumberedInOrder()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["Host=a;Password=hk-1"] = 1,
            ["Host=a;Password=hk-2"] = 2,
            ["Host=a;Password=hk-3"] = 3,
        });

        Assert.Equal(["Host=a;Password=******", "Host=a;Password=****** (2)", "Host=a;Password=****** (3)"], sanitized.Select(e => e.Key));
    }

    [Fact]
    public void SanitizeData_ValueTypes_RenderForJson()
    {
        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object>
        {
            ["float"] = 1.5f,
            ["floatNaN"] = float.NaN,
            ["span"] = TimeSpan.FromSeconds(90),
            ["offset"] = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)),
            ["utc"] = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        }).ToDictionary(e => e.Key, e => e.Value);

        Assert.Equal(1.5d, Assert.IsType<double>(sanitized["float"]));
        Assert.Equal("NaN", sanitized["floatNaN"]);
        Assert.Equal("00:01:30", sanitized["span"]);
        Assert.Equal("2026-01-02T03:04:05.0000000+02:00", sanitized["offset"]);
        Assert.Equal("2026-01-02T03:04:05.0000000Z", sanitized["utc"]);
    }

    [Theory]
    [InlineData("connection refused", "Connection refused")]
    [InlineData("authentication failed (SQLSTATE 28P01)", "28P01: password authentication failed for user \"app\"")]
    [InlineData("database does not exist (SQLSTATE 3D000)", "3D000: database \"orders\" does not exist")]
    public void RepeatsException_OnlyWordsAShortRunOfLettersAndSpaces_IsNotDerived(string description, string message) =>
        Assert.False(ResultSanitizer.RepeatsException(description, new InvalidOperationException(message)));

    [Theory]
    [InlineData("upstream: to orders-primary.internal", "could not connect to orders-primary.internal:5432")]
    [InlineData("the remote certificate is invalid according to", "The remote certificate is invalid according to the validation procedure")]
    [InlineData("failed: role \"reporting\" does", "FATAL: role \"reporting\" does not exist")]
    public void RepeatsException_ARunWithMoreThanWords_OrALongRunOfWords_IsDerived(string description, string message) =>
        Assert.True(ResultSanitizer.RepeatsException(description, new InvalidOperationException(message)));
    [Theory]
    [InlineData("error:boom", "boom")]
    [InlineData("prefix:boom", "  boom")]
    [InlineData("prefix:boom", "boom\n")]
    public void RepeatsException_MessageWithinTheDescription_LeadingAndTrailingSpaceAside_IsDerived(string description, string message) =>
        Assert.True(ResultSanitizer.RepeatsException(description, new InvalidOperationException(message)));

    [Fact]
    public void RepeatsException_DescriptionThatIsExactlyOneRun_IsDerived() =>
        Assert.True(ResultSanitizer.RepeatsException("orders-primary.i", new InvalidOperationException("could not connect to orders-primary.internal:5432 now")));

    [Fact]
    public void RepeatsException_SharedRunEndsTheMessage_AndTheDescriptionGoesOn_IsDerived() =>
        Assert.True(ResultSanitizer.RepeatsException("orders-primary.internal:5432 (retrying)", new InvalidOperationException("could not connect to orders-primary.internal:5432")));

    [Fact]
    public void RepeatsException_OnlyRunSharedIsTheMessagesLast_IsDerived()
    {
        const string Message = "could not connect to orders-primary.internal:5432";
        var last = Message[^ResultSanitizer.DerivedRunLength..];

        Assert.True(ResultSanitizer.RepeatsException("(" + last + ")", new InvalidOperationException(Message)));
        Assert.False(ResultSanitizer.RepeatsException("(" + last[1..] + ")", new InvalidOperationException(Message)));
    }

    [Fact]
    public void RepeatsException_MessageOrDescriptionShorterThanARun_IsDerivedOnlyByContainingTheWholeMessage()
    {
        Assert.True(ResultSanitizer.RepeatsException("failed: pw=x1!", new InvalidOperationException("pw=x1!")));
        Assert.False(ResultSanitizer.RepeatsException("pw=x1!", new InvalidOperationException("failed: pw=x1! at orders-primary.internal")));
    }

    [Fact]
    public void RepeatsException_OnlyRunSharedIsTheMessagesStart_IsDerived() =>
        Assert.True(ResultSanitizer.RepeatsException("warn orders-primary.i!", new InvalidOperationException("orders-primary.internal:5432 refused the connection")));

    [Fact]
    public void RepeatsException_SharedRunOfLettersExactlyTheWordsRunLong_IsDerived()
    {
        const string Message = "the primary database refused our login attempt today ok";
        var shared = Message.Substring(4, ResultSanitizer.DerivedWordsRunLength);

        Assert.True(ResultSanitizer.RepeatsException("X" + shared + "!", new InvalidOperationException(Message)));
        Assert.False(ResultSanitizer.RepeatsException("X" + shared[..^1] + "!", new InvalidOperationException(Message)));
    }

    [Fact]
    public void SanitizeData_GetterBudget_IsSpentOnTheGivenClock()
    {
        var time = new FakeTimeProvider();

        var sanitized = ResultSanitizer.SanitizeData(new Dictionary<string, object> { ["state"] = new SlowOnTheClock(time) }, timeProvider: time);

        var state = Assert.IsType<KeyValuePair<string, object?>[]>(Assert.Single(sanitized).Value);
        Assert.Equal(new KeyValuePair<string, object?>("Next", DataWalker.TimedOut), state[1]);
    }

    private sealed class SlowOnTheClock(FakeTimeProvider time)
    {
        public int Slow
        {
            get
            {
                time.Advance(DataWalker.GetterBudget + TimeSpan.FromMilliseconds(50));
                return 1;
            }
        }

        public int Next => 2;
    }
}
