using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HealthKit.Redaction;

/// <summary>
/// The one walk over a check's data. It reduces every shape a check can return to the few that the writers know: text,
/// booleans, numbers, arrays (<c>object?[]</c>) and objects (<c>KeyValuePair&lt;string, object?&gt;[]</c>), masking on
/// the way every value whose key names a secret and scrubbing every text and key. Writers never see anything else, so a
/// writer and the walk cannot disagree about a shape.
/// </summary>
/// <remarks>
/// Pairs are pairs whatever their type: a dictionary (generic or not), a <see cref="KeyValuePair{TKey, TValue}"/>, a
/// <see cref="DictionaryEntry"/>, a two-item tuple whose first item is the key, a JSON object. An anonymous object, a
/// record, or any type of the application's that does not override <see cref="object.ToString"/> is read property by
/// property. Depth, items per level and values in all are bounded; a property getter that throws gives a placeholder,
/// and one that runs past the walk's time budget gives a placeholder and ends the reading of properties.
/// </remarks>
internal sealed class DataWalker
{
    /// <summary>How deep the walk goes; a deeper value becomes <see cref="Withheld"/>.</summary>
    public const int MaxDepth = 4;

    /// <summary>How many items or properties of one level are kept.</summary>
    public const int MaxItems = 100;

    /// <summary>How many values the whole walk produces; later ones become <see cref="Withheld"/>.</summary>
    public const int MaxValues = 1000;

    /// <summary>How long the property getters of one result may run in all.</summary>
    public static readonly TimeSpan GetterBudget = TimeSpan.FromMilliseconds(250);

    public const string Withheld = "[withheld]";
    public const string TimedOut = "[timed out]";

    private readonly SecretRedactor _redactor;
    private readonly TimeProvider _timeProvider;
    private int _values;
    private TimeSpan _getterTime;

    public DataWalker(SecretRedactor redactor, TimeProvider timeProvider)
    {
        _redactor = redactor;
        _timeProvider = timeProvider;
    }

    public KeyValuePair<string, object?>[] Walk(IEnumerable<KeyValuePair<string, object>> data)
    {
        var entries = new List<KeyValuePair<string, object?>>();
        foreach (var (key, value) in data)
        {
            if (entries.Count == MaxItems)
            {
                break;
            }

            AddEntry(entries, key, value, 0);
        }

        return [.. entries];
    }

    private string Text(string text) => _redactor.Bounded(text, TextBounds.MaxTextLength);

    private void AddEntry(List<KeyValuePair<string, object?>> entries, string? key, object? value, int depth)
    {
        key ??= string.Empty;
        var safeKey = _redactor.Bounded(key, TextBounds.MaxKeyLength);
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

        entries.Add(new(safeKey, _redactor.IsSecretKey(key) ? Redactor.Mask : Value(value, depth)));
    }

    private object? Value(object? value, int depth)
    {
        if (++_values > MaxValues)
        {
            return Withheld;
        }

        switch (value)
        {
            case null:
                return null;
            case string text:
                return Text(text);
            case char c:
                return Text(c.ToString());
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
            case Exception or Delegate or MemberInfo:
                return Withheld;
            case JsonValue json:
                return Value(JsonSerializer.SerializeToElement(json), depth);
            case JsonElement { ValueKind: JsonValueKind.String } json:
                return Text(json.GetString()!);
            case JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } json:
                return json.GetBoolean();
            case JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined }:
                return null;
            case JsonElement { ValueKind: JsonValueKind.Number } json:
                return json.TryGetInt64(out var whole) ? whole : json.TryGetDecimal(out var exact) ? exact : json.GetDouble();
        }

        if (depth >= MaxDepth)
        {
            return Withheld;
        }

        return value switch
        {
            JsonElement { ValueKind: JsonValueKind.Object } json => Object(json.EnumerateObject().Select(static p => ((string?)p.Name, (object?)p.Value)), depth),
            JsonElement json => Array(json.EnumerateArray().Cast<object?>(), depth),
            JsonObject json => Object(json.Select(static p => ((string?)p.Key, (object?)p.Value)), depth),
            IDictionary dictionary => Object(Pairs(dictionary), depth),
            _ when AsPair(value) is { } pair => Object([pair], depth),
            ITuple tuple => Array(Items(tuple), depth),
            IEnumerable sequence => Sequence(sequence, depth),
            _ when ReadsProperties(value.GetType()) => Object(Properties(value), depth),
            _ => ToText(value),
        };
    }

    private KeyValuePair<string, object?>[] Object(IEnumerable<(string? Key, object? Value)> pairs, int depth)
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

        return [.. entries];
    }

    private object?[] Array(IEnumerable<object?> items, int depth)
    {
        var result = new List<object?>();
        foreach (var item in items)
        {
            if (result.Count == MaxItems)
            {
                break;
            }

            result.Add(Value(item, depth + 1));
        }

        return [.. result];
    }

    /// <summary>
    /// A sequence of pairs (a generic dictionary, a list of <c>("password", "x")</c> tuples, a LINQ query over pairs)
    /// becomes an object; any other sequence an array, in which a pair on its own becomes a one-property object.
    /// </summary>
    private object Sequence(IEnumerable sequence, int depth)
    {
        var items = new List<object?>();
        var allPairs = true;
        foreach (var item in sequence)
        {
            if (items.Count == MaxItems)
            {
                break;
            }

            items.Add(item);
            allPairs &= item is not null && AsPair(item) is not null;
        }

        return allPairs && items.Count > 0 ? Object(items.Select(static i => AsPair(i)!.Value), depth) : Array(items, depth);
    }

    /// <summary>A key and its value, if <paramref name="value"/> is a pair of any kind.</summary>
    private static (string? Key, object? Value)? AsPair(object? value)
    {
        switch (value)
        {
            case DictionaryEntry entry:
                return (Convert.ToString(entry.Key, CultureInfo.InvariantCulture), entry.Value);
            case ITuple { Length: 2 } tuple when tuple[0] is string key:
                return (key, tuple[1]);
        }

        var type = value?.GetType();
        if (type is { IsGenericType: true } && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>))
        {
            // Reading a KeyValuePair's own fields runs no code of the application's.
            var key = type.GetProperty("Key")!.GetValue(value);
            return (Convert.ToString(key, CultureInfo.InvariantCulture), type.GetProperty("Value")!.GetValue(value));
        }

        return null;
    }

    private static IEnumerable<(string? Key, object? Value)> Pairs(IDictionary dictionary)
    {
        foreach (DictionaryEntry entry in dictionary)
        {
            yield return (Convert.ToString(entry.Key, CultureInfo.InvariantCulture), entry.Value);
        }
    }

    private static IEnumerable<object?> Items(ITuple tuple)
    {
        for (var i = 0; i < tuple.Length; i++)
        {
            yield return tuple[i];
        }
    }

    /// <summary>
    /// Anonymous objects, records, and the application's types whose text would only be their type's name, are read by
    /// property. The framework's own types (<see cref="Uri"/>, <see cref="Version"/>, addresses) are read as text.
    /// </summary>
    private static bool ReadsProperties(Type type)
    {
        if (type.Namespace is { } ns && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal)))
        {
            return false;
        }

        // Stryker disable once Boolean : an anonymous type has no base but object, and a record's base is a record, so inherited or not finds the same
        var generated = type.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false) ||
            type.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public) is not null;
        return generated || type.GetMethod(nameof(ToString), Type.EmptyTypes)?.DeclaringType == typeof(object);
    }

    private IEnumerable<(string? Key, object? Value)> Properties(object value)
    {
        foreach (var property in value.GetType().GetProperties(BindingFlags.Instance | BindingFlags.Public))
        {
            if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true } getter ||
                property.Name == "EqualityContract")
            {
                continue;
            }

            yield return (property.Name, Read(value, getter));
        }
    }

    /// <summary>
    /// Runs a getter under the walk's time budget. A getter that throws gives a placeholder naming the exception's type;
    /// one that is still running when the budget is spent gives <see cref="TimedOut"/> and is left to finish on its own.
    /// </summary>
    private object? Read(object target, MethodInfo getter)
    {
        var remaining = GetterBudget - _getterTime;
        // Stryker disable once Equality : with nothing left, a getter started with a zero wait is abandoned unread, as one not started
        if (remaining <= TimeSpan.Zero)
        {
            return TimedOut;
        }

        var started = _timeProvider.GetTimestamp();
        var read = Task.Run(() => getter.Invoke(target, null));
        try
        {
            return read.WaitAsync(remaining, _timeProvider).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            _getterTime = GetterBudget;
            return TimedOut;
        }
        catch (TargetInvocationException ex)
        {
            return "[unreadable: " + (ex.InnerException ?? ex).GetType().Name + "]";
        }
        finally
        {
            _getterTime += _timeProvider.GetElapsedTime(started);
        }
    }

    private string ToText(object value)
    {
        try
        {
            return Text(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
        }
#pragma warning disable CA1031 // A value whose ToString throws must not break the response.
        catch (Exception)
#pragma warning restore CA1031
        {
            return value.GetType().Name;
        }
    }
}
