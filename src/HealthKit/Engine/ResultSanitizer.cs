using System.Collections;
using System.Globalization;
using HealthKit.Redaction;

namespace HealthKit.Engine;

/// <summary>
/// Turns whatever a check returned into something safe to put in a response: no exception text unless allowed, no
/// credentials in descriptions or data, and only values JSON can carry. A value whose key names a secret is masked at
/// every depth, and keys are scrubbed like values.
/// </summary>
internal static class ResultSanitizer
{
    private const int MaxDepth = 4;
    private const int MaxItems = 100;
    private const int MaxExceptionChain = 16;
    private const string Withheld = "[withheld]";

    /// <summary>Scrubs the secrets a text carries; see <see cref="Redactor.RedactText"/> for what is recognised.</summary>
    public static string? Redact(string? text) => Redactor.RedactText(text);

    /// <summary>The description to report for a result, given the exception it carries, if any.</summary>
    public static string? SafeDescription(string? description, Exception? exception, bool includeExceptionDetails)
    {
        if (exception is not null && !includeExceptionDetails &&
            (string.IsNullOrWhiteSpace(description) || RepeatsException(description, exception)))
        {
            return DescribeException(exception);
        }

        return Redact(description);
    }

    /// <summary>A short text that names the exception's type and nothing of its message.</summary>
    public static string DescribeException(Exception exception) => "check threw " + exception.GetType().Name;

    private static bool RepeatsException(string description, Exception exception)
    {
        var seen = 0;
        var pending = new Stack<Exception>();
        pending.Push(exception);
        while (pending.Count > 0 && seen++ < MaxExceptionChain)
        {
            var current = pending.Pop();
            var message = ExceptionMembers.Message(current);
            if (message.Length > 0 && description.Contains(message, StringComparison.Ordinal))
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

    public static IReadOnlyList<KeyValuePair<string, object?>> SanitizeData(IReadOnlyDictionary<string, object>? data)
    {
        if (data is null || data.Count == 0)
        {
            return [];
        }

        // Stryker disable once Linq : the initial capacity only; the loop below stops at MaxItems
        var result = new List<KeyValuePair<string, object?>>(Math.Min(data.Count, MaxItems));
        foreach (var (key, value) in data)
        {
            if (result.Count == MaxItems)
            {
                break;
            }

            AddEntry(result, key, value, 0);
        }

        return result;
    }

    private static KeyValuePair<string, object?>[] SanitizePairs(IEnumerable<KeyValuePair<string, object>> pairs, int depth)
    {
        var entries = new List<KeyValuePair<string, object?>>();
        foreach (var (key, item) in pairs)
        {
            if (entries.Count == MaxItems)
            {
                break;
            }

            AddEntry(entries, key, item, depth + 1);
        }

        return entries.ToArray();
    }

    private static void AddEntry(List<KeyValuePair<string, object?>> entries, string? key, object? value, int depth)
    {
        key ??= string.Empty;
        var safeKey = Redactor.RedactKey(key);
        if (!ReferenceEquals(safeKey, key))
        {
            // Two keys that differed only in their secrets would otherwise become one JSON property written twice.
            var unique = safeKey;
            for (var n = 2; entries.Exists(e => e.Key == unique); n++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{safeKey} ({n})");
            }

            safeKey = unique;
        }

        entries.Add(new(safeKey, Redactor.IsSecretKey(key) ? Redactor.Mask : SanitizeValue(value, depth)));
    }

    private static object? SanitizeValue(object? value, int depth)
    {
        switch (value)
        {
            case null:
                return null;
            case string text:
                return Redact(text);
            case bool or int or long or short or byte or sbyte or ushort or uint or ulong or decimal:
                return value;
            case double number:
                return double.IsFinite(number) ? number : number.ToString(CultureInfo.InvariantCulture);
            case float number:
                return float.IsFinite(number) ? (double)number : number.ToString(CultureInfo.InvariantCulture);
            case TimeSpan span:
                // Stryker disable once String : TimeSpan formats an empty format string as "c"
                return span.ToString("c", CultureInfo.InvariantCulture);
            case DateTimeOffset moment:
                return moment.ToString("O", CultureInfo.InvariantCulture);
            case DateTime moment:
                return moment.ToString("O", CultureInfo.InvariantCulture);
            case Guid id:
                return id.ToString();
            case Enum enumeration:
                return enumeration.ToString();
            case Exception:
                return Withheld;
        }

        if (depth >= MaxDepth)
        {
            return Withheld;
        }

        if (value is IDictionary dictionary)
        {
            var entries = new List<KeyValuePair<string, object?>>();
            foreach (DictionaryEntry entry in dictionary)
            {
                if (entries.Count == MaxItems)
                {
                    break;
                }

                AddEntry(entries, Convert.ToString(entry.Key, CultureInfo.InvariantCulture), entry.Value, depth + 1);
            }

            return entries.ToArray();
        }

        // Pairs that are not an IDictionary (a LINQ query over one) would otherwise print as "[password, hunter2]".
        if (value is IEnumerable<KeyValuePair<string, object>> pairs)
        {
            return SanitizePairs(pairs, depth);
        }

        if (value is IEnumerable<KeyValuePair<string, string>> texts)
        {
            return SanitizePairs(texts.Select(static p => new KeyValuePair<string, object>(p.Key, p.Value)), depth);
        }

        if (value is IEnumerable sequence)
        {
            var items = new List<object?>();
            foreach (var item in sequence)
            {
                if (items.Count == MaxItems)
                {
                    break;
                }

                items.Add(SanitizeValue(item, depth + 1));
            }

            return items.ToArray();
        }

        try
        {
            return Redact(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
#pragma warning disable CA1031 // A value whose ToString throws must not break the response.
        catch (Exception)
#pragma warning restore CA1031
        {
            return value.GetType().Name;
        }
    }
}
