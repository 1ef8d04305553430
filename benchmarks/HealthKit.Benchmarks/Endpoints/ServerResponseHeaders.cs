using System.Collections;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// The response headers of <see cref="ReusableRequest"/>: a <see cref="HeaderDictionary"/> that keeps
/// <c>Content-Length</c> as a number, as Kestrel's response headers do. <see cref="HeaderDictionary"/> alone stores it as
/// a string, formatted on every set (32 B for a length of 1,000 or more), which no server does; with it the harness would
/// count an allocation that a request through Kestrel does not make (see <c>kestrel-allocations</c>). The header is
/// formatted only when it is read by name or enumerated.
/// </summary>
internal sealed class ServerResponseHeaders : IHeaderDictionary
{
    private readonly HeaderDictionary _others = new();
    private long? _contentLength;

    public long? ContentLength
    {
        get => _contentLength;
        set
        {
            if (value < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Content-Length cannot be negative.");
            }

            _contentLength = value;
        }
    }

    public StringValues this[string key]
    {
        get => IsContentLength(key) ? FormattedLength() : _others[key];
        set
        {
            if (IsContentLength(key))
            {
                _contentLength = StringValues.IsNullOrEmpty(value) ? null : long.Parse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else
            {
                _others[key] = value;
            }
        }
    }

    public int Count => _others.Count + (_contentLength is null ? 0 : 1);

    public bool IsReadOnly => false;

    public ICollection<string> Keys => [.. this.Select(h => h.Key)];

    public ICollection<StringValues> Values => [.. this.Select(h => h.Value)];

    public void Add(string key, StringValues value)
    {
        if (ContainsKey(key))
        {
            throw new ArgumentException($"The header '{key}' is already set.", nameof(key));
        }

        this[key] = value;
    }

    public void Add(KeyValuePair<string, StringValues> item) => Add(item.Key, item.Value);

    public void Clear()
    {
        _others.Clear();
        _contentLength = null;
    }

    public bool Contains(KeyValuePair<string, StringValues> item) => TryGetValue(item.Key, out var value) && value == item.Value;

    public bool ContainsKey(string key) => IsContentLength(key) ? _contentLength is not null : _others.ContainsKey(key);

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex)
    {
        foreach (var header in this)
        {
            array[arrayIndex++] = header;
        }
    }

    public bool Remove(string key)
    {
        if (!IsContentLength(key))
        {
            return _others.Remove(key);
        }

        var had = _contentLength is not null;
        _contentLength = null;
        return had;
    }

    public bool Remove(KeyValuePair<string, StringValues> item) => Contains(item) && Remove(item.Key);

    public bool TryGetValue(string key, out StringValues value)
    {
        value = this[key];
        return ContainsKey(key);
    }

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator()
    {
        foreach (var header in _others)
        {
            yield return header;
        }

        if (_contentLength is not null)
        {
            yield return new(HeaderNames.ContentLength, FormattedLength());
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static bool IsContentLength(string key) => string.Equals(key, HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase);

    private StringValues FormattedLength() =>
        _contentLength is { } length ? length.ToString(CultureInfo.InvariantCulture) : StringValues.Empty;
}
