using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HealthKit.Engine;

/// <summary>
/// Turns whatever a check returned into something safe to put in a response: no exception text unless allowed, no
/// credentials in descriptions or data, and only values JSON can carry.
/// </summary>
internal static partial class ResultSanitizer
{
    private const int MaxDepth = 4;
    private const int MaxItems = 100;
    private const int MaxExceptionChain = 16;
    private const string Withheld = "[withheld]";

    /// <summary>Matches <c>password=...</c>, <c>Pwd: ...</c>, <c>api_key=...</c> and friends in connection strings and URLs.</summary>
    [GeneratedRegex(
        """(?<key>\b(?:password|passwd|pwd|secret|client[-_ ]?secret|token|access[-_ ]?token|api[-_ ]?key|access[-_ ]?key|sig|signature)\b\s*[=:]\s*)(?<value>"[^"]*"|'[^']*'|[^;,&\s]+)""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValueSecret();

    /// <summary>Matches the password in <c>scheme://user:password@host</c>.</summary>
    [GeneratedRegex("""(?<prefix>[a-z][a-z0-9+.-]*://[^:/\s@]*:)(?<value>[^@/\s]+)@""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlSecret();

    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = KeyValueSecret().Replace(text, "${key}***");
        return UrlSecret().Replace(text, "${prefix}***@");
    }

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
            var message = current.Message;
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

        var result = new List<KeyValuePair<string, object?>>(Math.Min(data.Count, MaxItems));
        foreach (var (key, value) in data)
        {
            if (result.Count == MaxItems)
            {
                break;
            }

            result.Add(new(key ?? string.Empty, SanitizeValue(value, 0)));
        }

        return result;
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

                entries.Add(new(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty, SanitizeValue(entry.Value, depth + 1)));
            }

            return entries.ToArray();
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
