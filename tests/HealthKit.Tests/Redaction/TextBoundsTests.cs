using HealthKit.Redaction;

namespace HealthKit.Tests.Redaction;

/// <summary>The cut and the escaping at each of their edges: the last kept character, a pair across the cut, each range end.</summary>
public sealed class TextBoundsTests
{
    [Theory]
    [InlineData("plain text, with\ttab")]
    [InlineData("\u007E\u00A0\u061B\u061D\u200D\u2010x")]
    public void Clean_SafeText_IsTheSameInstance(string text)
    {
        Assert.Same(text, TextBounds.Clean(text, 100));
    }

    [Fact]
    public void Clean_TextOfExactlyTheLimit_IsTheSameInstance()
    {
        var text = new string('a', 10);

        Assert.Same(text, TextBounds.Clean(text, 10));
    }

    [Theory]
    [InlineData('\u0000')]
    [InlineData('\u0007')]
    [InlineData('\u001B')]
    [InlineData('\u001F')]
    [InlineData('\u007F')]
    [InlineData('\u0080')]
    [InlineData('\u009F')]
    [InlineData('\u061C')]
    [InlineData('\u200E')]
    [InlineData('\u200F')]
    [InlineData('\u202A')]
    [InlineData('\u202C')]
    [InlineData('\u202E')]
    [InlineData('\u2066')]
    [InlineData('\u2069')]
    public void Clean_UnsafeCharacter_IsEscapedWherever_ItStands(char c)
    {
        var escaped = $@"\u{(int)c:X4}";

        Assert.Equal(escaped + "ab", TextBounds.Clean(c + "ab", 100));
        Assert.Equal("a" + escaped + "b", TextBounds.Clean("a" + c + "b", 100));
        Assert.Equal("ab" + escaped, TextBounds.Clean("ab" + c, 100));
    }

    [Theory]
    [InlineData('\u0020')]
    [InlineData('\u007E')]
    [InlineData('\u00A0')]
    [InlineData('\u061B')]
    [InlineData('\u200D')]
    [InlineData('\u2027')]
    [InlineData('\u202F')]
    [InlineData('\u2065')]
    [InlineData('\u206A')]
    public void Clean_CharacterJustOutsideAnEscapedRange_IsKept(char c)
    {
        var text = "a" + c + "b";

        Assert.Same(text, TextBounds.Clean(text, 100));
    }

    [Theory]
    [InlineData("a\r\nb", "a b")]
    [InlineData("a\n\nb", "a  b")]
    [InlineData("a\r\rb", "a  b")]
    [InlineData("a\n\rb", "a  b")]
    [InlineData("a\r", "a ")]
    [InlineData("\r\n", " ")]
    [InlineData("a\u0085b\u2028c\u2029d", "a b c d")]
    public void Clean_LineBreaks_BecomeOneSpaceEach_CrLfOne(string text, string expected)
    {
        Assert.Equal(expected, TextBounds.Clean(text, 100));
    }

    [Theory]
    [InlineData("a\uD83D\uDE00b", "a\uD83D\uDE00b")]
    [InlineData("\uD83D\uDE00", "\uD83D\uDE00")]
    [InlineData("\u0007b\uD83D\uDE00", @"\u0007b" + "\uD83D\uDE00")]
    [InlineData("\u0007\u0007", @"\u0007\u0007")]
    public void Clean_SurrogatePairs_AreKept(string text, string expected)
    {
        Assert.Equal(expected, TextBounds.Clean(text, 100));
    }

    [Fact]
    public void Clean_LoneSurrogates_AreEscaped()
    {
        // Built here: an attribute's strings are stored as UTF-8, which has no lone surrogates.
        const char High = '\uD83D';
        const char Low = '\uDE00';

        Assert.Equal(@"a\uD83D", TextBounds.Clean("a" + High, 100));
        Assert.Equal(@"a\uDE00b", TextBounds.Clean("a" + Low + "b", 100));
        Assert.Equal(@"\uDE00\uD83D", TextBounds.Clean(Low.ToString() + High, 100));
        Assert.Equal(@"ab\uD83D", TextBounds.Clean("ab" + High, 3));
    }

    [Fact]
    public void Clean_PairAcrossTheCut_IsDroppedWhole()
    {
        Assert.Equal("abc…[truncated 3 characters]", TextBounds.Clean("abc\uD83D\uDE00x", 4));
        Assert.Equal("abc\uD83D\uDE00…[truncated 1 characters]", TextBounds.Clean("abc\uD83D\uDE00x", 5));
    }

    [Fact]
    public void Clean_LongText_IsCutWithAMarkerThatCountsTheDroppedCharacters()
    {
        Assert.Equal("abc…[truncated 3 characters]", TextBounds.Clean("abcdef", 3));
        Assert.Equal("a b…[truncated 3 characters]", TextBounds.Clean("a\nbdef", 3));
    }

    [Fact]
    public void Clean_CharactersDroppedBefore_AreCountedInTheMarker()
    {
        Assert.Equal("abc…[truncated 5 characters]", TextBounds.Clean("abc", 10, droppedBefore: 5));
        Assert.Equal("abc…[truncated 8 characters]", TextBounds.Clean("abcdef", 3, droppedBefore: 5));
        Assert.Equal(@"\u0007bc…[truncated 5 characters]", TextBounds.Clean("\u0007bc", 10, droppedBefore: 5));
    }
}
