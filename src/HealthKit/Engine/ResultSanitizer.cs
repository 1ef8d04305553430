using HealthKit.Redaction;

namespace HealthKit.Engine;

/// <summary>
/// Turns whatever a check returned into something safe to put in a response or a log: no exception text unless allowed,
/// no secrets, bounded sizes, no characters that change how text is shown, and only values JSON can carry. It runs once
/// per result; every writer, log, span, publisher and listener reads what it produced.
/// </summary>
internal static class ResultSanitizer
{
    /// <summary>
    /// The shortest run of text a description must share with an exception's message to count as derived from it, when
    /// the run holds anything but letters and spaces (a host, a number, a quote, a path).
    /// </summary>
    internal const int DerivedRunLength = 16;

    /// <summary>
    /// The shortest run of only letters and spaces that makes a description derived: shorter ones are the words a check
    /// and a driver both use ("connection refused", "authentication failed") and carry nothing of the message's detail.
    /// </summary>
    internal const int DerivedWordsRunLength = 32;

    /// <summary>Only this much of a description and of a message is compared, so a huge message costs bounded time.</summary>
    private const int MaxComparedLength = 16 * 1024;

    private const int MaxExceptionChain = 16;

    // Stryker disable once String : static initialiser, runs once per test process; ResultSanitizerTests.RepeatsException_OnlyWordsAShortRunOfLettersAndSpaces_IsNotDerived fails when it changes
    private static readonly System.Buffers.SearchValues<char> LettersAndSpace =
        System.Buffers.SearchValues.Create(" abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    /// <summary>Scrubs the secrets a text carries, then bounds and escapes it; see <see cref="SecretRedactor"/>.</summary>
    public static string? Redact(string? text, SecretRedactor? redactor = null) =>
        text is null ? null : (redactor ?? SecretRedactor.Default).Bounded(text, TextBounds.MaxTextLength);

    /// <summary>
    /// The description to report for a result, given the exception it carries, if any. Without
    /// <paramref name="includeExceptionDetails"/>, a description derived from the message of the exception or any exception
    /// inside it is replaced, as the message itself would be.
    /// </summary>
    public static string? SafeDescription(string? description, Exception? exception, bool includeExceptionDetails, SecretRedactor? redactor = null)
    {
        if (exception is not null && !includeExceptionDetails &&
            (string.IsNullOrWhiteSpace(description) || RepeatsException(description, exception)))
        {
            return DescribeException(exception);
        }

        return Redact(description, redactor);
    }

    /// <summary>A short text that names the exception's type and nothing of its message.</summary>
    public static string DescribeException(Exception exception) => "check threw " + exception.GetType().Name;

    /// <summary>
    /// Whether <paramref name="description"/> is derived from a message in the exception's chain: it contains the whole
    /// message, or the two share, once white space is collapsed, a run of <see cref="DerivedRunLength"/> characters that
    /// holds something other than letters and spaces, or a run of <see cref="DerivedWordsRunLength"/> characters of any
    /// kind (a message with its line breaks replaced, cut short, or given a prefix).
    /// </summary>
    internal static bool RepeatsException(string description, Exception exception)
    {
        var normalized = Normalize(description);
        var seen = 0;
        var pending = new Stack<Exception>();
        pending.Push(exception);
        while (pending.Count > 0 && seen++ < MaxExceptionChain)
        {
            var current = pending.Pop();
            var message = Normalize(ExceptionMembers.Message(current));
            if (message.Length > 0 && (normalized.Contains(message, StringComparison.Ordinal) || SharesRun(normalized, message)))
            {
                return true;
            }

            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }

        return false;
    }

    /// <summary>White space runs collapsed to one space, trimmed, cut at <see cref="MaxComparedLength"/>.</summary>
    private static string Normalize(string text)
    {
        // Stryker disable once Linq : a capacity only; the builder grows to whatever it is given
        var result = new System.Text.StringBuilder(Math.Min(text.Length, MaxComparedLength));
        var space = false;
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, MaxComparedLength)))
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = result.Length > 0;
                continue;
            }

            if (space)
            {
                result.Append(' ');
                space = false;
            }

            result.Append(c);
        }

        return result.ToString();
    }

    private static bool SharesRun(string description, string message)
    {
        var runs = new HashSet<int>();
        for (var i = 0; i + DerivedRunLength <= message.Length; i++)
        {
            runs.Add(string.GetHashCode(message.AsSpan(i, DerivedRunLength), StringComparison.Ordinal));
        }

        for (var i = 0; i + DerivedRunLength <= description.Length; i++)
        {
            var run = description.AsSpan(i, DerivedRunLength);
            // Stryker disable once Conditional : the set of the message's runs only spares a search that finds nothing
            var at = runs.Contains(string.GetHashCode(run, StringComparison.Ordinal)) ? message.AsSpan().IndexOf(run, StringComparison.Ordinal) : -1;
            if (at < 0)
            {
                continue;
            }

            var length = DerivedRunLength;
            while (i + length < description.Length && at + length < message.Length && description[i + length] == message[at + length])
            {
                length++;
            }

            if (length >= DerivedWordsRunLength || description.AsSpan(i, length).ContainsAnyExcept(LettersAndSpace))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The check's data as JSON-safe values, through the one walk every writer relies on (<see cref="DataWalker"/>).</summary>
    public static IReadOnlyList<KeyValuePair<string, object?>> SanitizeData(
        IReadOnlyDictionary<string, object>? data, SecretRedactor? redactor = null, TimeProvider? timeProvider = null) =>
        data is null || data.Count == 0
            ? []
            : new DataWalker(redactor ?? SecretRedactor.Default, timeProvider ?? TimeProvider.System).Walk(data);
}
