using System.Buffers;
using System.Globalization;

namespace HealthKit.Engine;

/// <summary>
/// The rule for check names, which reach URLs (<c>?exclude=</c>), log lines, span names and metric labels: 1 to
/// <see cref="MaxLength"/> characters, ASCII letters, digits, <c>-</c>, <c>_</c>, <c>.</c> and <c>:</c>, starting with a
/// letter or a digit.
/// </summary>
internal static class CheckNames
{
    public const int MaxLength = 200;

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:");

    /// <summary>What is wrong with <paramref name="name"/> as a startup error that names the check, or null.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "A health check is registered with an empty name. Give every check a name of 1 to 200 ASCII letters, digits, '-', '_', '.' or ':'.";
        }

        var shown = Redaction.TextBounds.Clean(name, MaxLength);
        if (name.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"The health check name '{shown}' is {name.Length} characters long; check names are at most {MaxLength} characters, because they appear in URLs, logs and metric labels.");
        }

        var at = char.IsAsciiLetterOrDigit(name[0]) ? name.AsSpan().IndexOfAnyExcept(Allowed) : 0;
        if (at >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"The health check name '{shown}' has the character {Describe(name[at])} at position {at}; check names are ASCII letters, digits, '-', '_', '.' and ':', and start with a letter or a digit, because they appear in URLs, logs and metric labels.");
        }

        return null;
    }

    private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) || c > '\u007E'
        ? string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4}")
        : "'" + c + "'";
}
