using System.Globalization;
using System.Text;

namespace HealthKit.Redaction;

/// <summary>
/// Size and character bounds on text that leaves the process, applied after redaction so that a cut can never fall
/// between a secret and the key or format that identifies it.
/// </summary>
internal static class TextBounds
{
    /// <summary>The most characters kept of a description, a data value or an exception message.</summary>
    public const int MaxTextLength = 1024;

    /// <summary>The most characters kept of a data key.</summary>
    public const int MaxKeyLength = 128;

    /// <summary>The most characters kept of HealthKit's own list of configuration problems in a log line.</summary>
    public const int MaxProblemsLength = 8192;

    /// <summary>
    /// <paramref name="text"/> cut to <paramref name="maxLength"/> characters, with a marker that says how many were
    /// dropped. Every line break (CR, LF, CRLF, NEL, U+2028, U+2029) becomes one space, so the text is one line wherever
    /// it goes, and every other character that could change how a terminal, a log viewer or a browser shows the text is
    /// escaped as <c>\uXXXX</c>: C0 and C1 controls but tab, bidirectional marks, embeddings, overrides and isolates,
    /// and unpaired surrogates. Returns the same instance when nothing changed.
    /// </summary>
    /// <param name="text">The text, already redacted.</param>
    /// <param name="maxLength">How many characters of it to keep.</param>
    /// <param name="droppedBefore">How many characters were dropped from its end before it came here.</param>
    public static string Clean(string text, int maxLength, int droppedBefore = 0)
    {
        var keep = text.Length;
        if (keep > maxLength)
        {
            // Never split a surrogate pair.
            keep = char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength;
        }

        var first = IndexOfUnsafe(text.AsSpan(0, keep));
        if (first < 0 && keep == text.Length && droppedBefore == 0)
        {
            return text;
        }

        var result = new StringBuilder(keep + 32);
        result.Append(text, 0, first < 0 ? keep : first);
        for (var i = first < 0 ? keep : first; i < keep; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < keep && char.IsLowSurrogate(text[i + 1]))
            {
                result.Append(c).Append(text[++i]);
            }
            else if (!IsUnsafe(c))
            {
                result.Append(c);
            }
            else if (c is '\r' or '\n' or '\u0085' or '\u2028' or '\u2029')
            {
                result.Append(' ');
                if (c == '\r' && i + 1 < keep && text[i + 1] == '\n')
                {
                    i++;
                }
            }
            else
            {
                result.Append(CultureInfo.InvariantCulture, $@"\u{(int)c:X4}");
            }
        }

        if (keep < text.Length || droppedBefore > 0)
        {
            result.Append(CultureInfo.InvariantCulture, $"…[truncated {text.Length - keep + droppedBefore} characters]");
        }

        return result.ToString();
    }

    /// <summary>Whether a character must be escaped; a surrogate counts, and <see cref="Clean"/> keeps the paired ones.</summary>
    private static bool IsUnsafe(char c) =>
        (c < ' ' && c != '\t') ||
        c is >= '\u007F' and <= '\u009F' ||
        c is '\u061C' or '\u200E' or '\u200F' or '\u2028' or '\u2029' ||
        c is >= '\u202A' and <= '\u202E' ||
        c is >= '\u2066' and <= '\u2069' ||
        char.IsSurrogate(c);

    private static int IndexOfUnsafe(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (IsUnsafe(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
