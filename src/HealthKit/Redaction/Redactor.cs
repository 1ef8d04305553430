using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace HealthKit.Redaction;

/// <summary>
/// Decides which data keys name a secret and scrubs secrets out of free text, for responses and for logs alike.
/// </summary>
/// <remarks>
/// <para>
/// Keys follow Spring Boot's <c>SanitizingFunction</c>, which matches the end of a key against password, secret, key,
/// token, credentials and vcap_services, but by words rather than characters: a key is split into words at
/// <c>_ - . :</c>, spaces, other punctuation, digits and camelCase boundaries, and names a secret when its last word
/// (trailing numbers aside) ends with a secret word (<c>DB_PASSWORD</c>, <c>apiKey</c>, <c>AccountKey</c>,
/// <c>accountkey</c>, <c>x-api-key</c>). A secret word anywhere else is not enough, so <c>monkeyCount</c>,
/// <c>keyboard</c>, <c>keyspace</c>, <c>tokenizerVersion</c>, <c>tokenEndpoint</c> and <c>SharedAccessKeyName</c> are not
/// secrets. A key that holds <c>/</c> or <c>\</c> is a path (the disk check keys its data by path), never the name of a
/// secret.
/// </para>
/// <para>
/// Text is scanned by hand, each character a bounded number of times, so hostile input of any size costs linear time.
/// </para>
/// </remarks>
internal static class Redactor
{
    /// <summary>What a redacted value is replaced with.</summary>
    public const string Mask = "******";

    /// <summary>Only the end of a longer key is read: that is where its last word, and so the decision, lies.</summary>
    private const int MaxKeyLength = 128;

    private const int MaxExceptionDepth = 8;
    private const int MaxExceptions = 64;

    /// <summary>
    /// Plurals are included: a value under <c>cacheKeys</c> may be a count, but it may also be the keys, and redacting a
    /// count costs less than leaking a key.
    /// </summary>
    private static readonly string[] SecretWords =
    [
        "password", "passwords", "passwd", "pwd", "passphrase",
        "secret", "secrets",
        "key", "keys",
        "token", "tokens",
        "credential", "credentials",
        "authorization",
        "sig", "signature",
    ];

    private static readonly SearchValues<char> PairSeparators = SearchValues.Create("=:");

    /// <summary>Whether a value stored under <paramref name="key"/> must be replaced by <see cref="Mask"/>.</summary>
    public static bool IsSecretKey([NotNullWhen(true)] string? key) => key is not null && IsSecretName(key.AsSpan());

    /// <summary>A data key with any secret it carries (<c>Host=db;Password=x</c>) scrubbed as a value would be.</summary>
    public static string RedactKey(string key) => RedactText(key) ?? string.Empty;

    /// <summary>
    /// Scrubs the secrets <paramref name="text"/> carries: the value of every <c>key=value</c> or <c>key: value</c> pair
    /// whose key names a secret (connection strings, query strings, environment variables, JSON), <c>Bearer</c> and
    /// <c>Basic</c> credentials, and the password of a URI's user-info. Returns the same instance when nothing changed.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? RedactText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = RedactPairs(text);
        text = RedactUserInfo(text);
        text = RedactScheme(text, "Bearer", requireEncodedToken: false);

        // "Basic" is also an English word; only a token that looks encoded ("dXNlcjpwYXNz") is taken for a credential.
        return RedactScheme(text, "Basic", requireEncodedToken: true);
    }

    /// <summary>
    /// A stand-in for <paramref name="exception"/> to hand to a logger: the same type name, stack traces and inner
    /// exceptions (each wrapped the same way), with every message passed through <see cref="RedactText"/>.
    /// </summary>
    [return: NotNullIfNotNull(nameof(exception))]
    public static Exception? ForLogging(Exception? exception)
    {
        if (exception is null or RedactedException)
        {
            return exception;
        }

        var budget = MaxExceptions;
        return Wrap(exception, 0, ref budget);
    }

    private static RedactedException Wrap(Exception exception, int depth, ref int budget)
    {
        budget--;
        List<Exception>? inner = null;
        if (depth < MaxExceptionDepth)
        {
            if (exception is AggregateException aggregate)
            {
                foreach (var item in aggregate.InnerExceptions)
                {
                    if (budget <= 0)
                    {
                        break;
                    }

                    (inner ??= []).Add(Wrap(item, depth + 1, ref budget));
                }
            }
            else if (exception.InnerException is { } single && budget > 0)
            {
                inner = [Wrap(single, depth + 1, ref budget)];
            }
        }

        return new RedactedException(exception, RedactText(ExceptionMembers.Message(exception)), inner, exception is AggregateException);
    }

    private static bool IsSecretName(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || key.IndexOfAny('/', '\\') >= 0)
        {
            return false;
        }

        if (key.Length > MaxKeyLength)
        {
            key = key[^MaxKeyLength..];
        }

        var position = 0;
        var previousWasVcap = false;
        var lastStart = -1;
        var lastEnd = -1;
        while (NextWord(key, ref position, out var start))
        {
            var word = key[start..position];
            if (previousWasVcap && word.Equals("services", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            previousWasVcap = word.Equals("vcap", StringComparison.OrdinalIgnoreCase);
            if (!char.IsDigit(word[0]))
            {
                (lastStart, lastEnd) = (start, position);
            }
        }

        if (lastStart < 0)
        {
            return false;
        }

        var last = key[lastStart..lastEnd];
        foreach (var secret in SecretWords)
        {
            if (last.EndsWith(secret, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NextWord(ReadOnlySpan<char> key, ref int position, out int start)
    {
        while (position < key.Length && !char.IsLetterOrDigit(key[position]))
        {
            position++;
        }

        start = position;
        if (position >= key.Length)
        {
            return false;
        }

        position++;
        while (position < key.Length && char.IsLetterOrDigit(key[position]) && !IsWordBoundary(key, position))
        {
            position++;
        }

        return true;
    }

    /// <summary>Between a letter and a digit, before <c>K</c> in <c>apiKey</c>, and before <c>K</c> in <c>APIKey</c>.</summary>
    private static bool IsWordBoundary(ReadOnlySpan<char> key, int index)
    {
        var previous = key[index - 1];
        var current = key[index];
        if (char.IsDigit(previous) != char.IsDigit(current))
        {
            return true;
        }

        return char.IsUpper(current) &&
            (char.IsLower(previous) || (char.IsUpper(previous) && index + 1 < key.Length && char.IsLower(key[index + 1])));
    }

    private static bool IsKeyChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '-' or '.';

    private static bool IsLineBreak(char c) => c is '\r' or '\n';

    /// <summary>Redacts the value of every pair whose key names a secret: <c>Password=x</c>, <c>"token": "x"</c>.</summary>
    private static string RedactPairs(string text)
    {
        StringBuilder? result = null;
        var copied = 0;
        var index = 0;
        while (index < text.Length)
        {
            var found = text.AsSpan(index).IndexOfAny(PairSeparators);
            if (found < 0)
            {
                break;
            }

            var separator = index + found;
            index = separator + 1;
            if (text[separator] == ':' && text.AsSpan(index).StartsWith("//", StringComparison.Ordinal))
            {
                continue; // A URI's scheme; its user-info is handled on its own.
            }

            if (!TryReadKey(text, separator, out var key, out var quotedKey) || !IsSecretName(key))
            {
                continue;
            }

            var valueStart = separator + 1;
            while (valueStart < text.Length && text[valueStart] is ' ' or '\t')
            {
                valueStart++;
            }

            var (maskStart, maskEnd, next) = FindValue(text, valueStart, quotedKey);
            if (maskEnd <= maskStart || text.AsSpan(maskStart, maskEnd - maskStart).SequenceEqual(Mask))
            {
                index = Math.Max(index, next);
                continue;
            }

            result ??= new StringBuilder(text.Length);
            result.Append(text, copied, maskStart - copied).Append(Mask);
            copied = maskEnd;
            index = next;
        }

        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>
    /// The key that ends just before <paramref name="separator"/>: a run of name characters, or a quoted name as in JSON.
    /// A run that follows <c>/</c> or <c>\</c> is a path segment (<c>/var/keys:/data</c>), not a key.
    /// </summary>
    private static bool TryReadKey(string text, int separator, out ReadOnlySpan<char> key, out bool quoted)
    {
        key = default;
        quoted = false;
        var end = separator;
        var limit = Math.Max(0, separator - MaxKeyLength);
        while (end > limit && text[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end > 1 && text[end - 1] is '"' or '\'')
        {
            var open = text.LastIndexOf(text[end - 1], end - 2, end - 1 - limit);
            if (open < 0)
            {
                return false;
            }

            key = text.AsSpan(open + 1, end - 2 - open);
            quoted = true;
            return key.Length > 0;
        }

        var start = end;
        while (start > limit && IsKeyChar(text[start - 1]))
        {
            start--;
        }

        if (start == end || (start > 0 && text[start - 1] is '/' or '\\'))
        {
            return false;
        }

        key = text.AsSpan(start, end - start);
        return true;
    }

    /// <summary>
    /// Where the value starting at <paramref name="start"/> lies: a quoted value up to its closing quote; otherwise up to
    /// the next <c>;</c>, <c>&amp;</c> or line break, so that a password holding <c>,</c> or spaces is redacted whole. After
    /// a quoted (JSON) key, a bare value (a number, <c>true</c>) also ends at <c>,</c> <c>}</c> <c>]</c> or a space.
    /// </summary>
    private static (int MaskStart, int MaskEnd, int Next) FindValue(string text, int start, bool quotedKey)
    {
        if (start >= text.Length)
        {
            return (start, start, start);
        }

        var first = text[start];
        if (first is '"' or '\'')
        {
            var close = start + 1;
            while (close < text.Length)
            {
                var c = text[close];
                if (c == '\\' && first == '"')
                {
                    close += 2;
                    continue;
                }

                if (c == first)
                {
                    // Connection strings escape a quote by doubling it.
                    if (close > start + 1 && close + 1 < text.Length && text[close + 1] == first)
                    {
                        close += 2;
                        continue;
                    }

                    return (start + 1, close, close + 1);
                }

                if (IsLineBreak(c))
                {
                    break;
                }

                close++;
            }

            close = Math.Min(close, text.Length);
            return (start + 1, close, close);
        }

        var end = start;
        while (end < text.Length)
        {
            var c = text[end];
            if (c is ';' or '&' || IsLineBreak(c) || (quotedKey && c is ',' or '}' or ']' or ' ' or '\t'))
            {
                break;
            }

            end++;
        }

        return (start, end, end);
    }

    /// <summary>Redacts the password in <c>scheme://user:password@host</c>, whole, even when it holds an <c>@</c>.</summary>
    private static string RedactUserInfo(string text)
    {
        StringBuilder? result = null;
        var copied = 0;
        var index = 0;
        while (index < text.Length)
        {
            var found = text.IndexOf("://", index, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }

            var authority = found + 3;
            var end = authority;
            while (end < text.Length && text[end] is not ('/' or '?' or '#' or '"' or '\'' or '<' or '>') && !char.IsWhiteSpace(text[end]))
            {
                end++;
            }

            index = Math.Max(end, found + 3);
            if (found == 0 || !char.IsLetterOrDigit(text[found - 1]))
            {
                continue;
            }

            var at = end > authority ? text.LastIndexOf('@', end - 1, end - authority) : -1;
            if (at < 0)
            {
                continue;
            }

            var colon = text.IndexOf(':', authority, at - authority);
            if (colon < 0 || colon + 1 == at || text.AsSpan(colon + 1, at - colon - 1).SequenceEqual(Mask))
            {
                continue;
            }

            result ??= new StringBuilder(text.Length);
            result.Append(text, copied, colon + 1 - copied).Append(Mask);
            copied = at;
        }

        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Redacts the credentials after an authorization scheme: <c>Bearer eyJ...</c>, <c>Basic dXNlcjpwYXNz</c>.</summary>
    private static string RedactScheme(string text, string scheme, bool requireEncodedToken)
    {
        StringBuilder? result = null;
        var copied = 0;
        var index = 0;
        while (index < text.Length)
        {
            var found = text.IndexOf(scheme, index, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                break;
            }

            index = found + scheme.Length;
            if (found > 0 && char.IsLetterOrDigit(text[found - 1]))
            {
                continue;
            }

            var tokenStart = index;
            while (tokenStart < text.Length && text[tokenStart] is ' ' or '\t')
            {
                tokenStart++;
            }

            if (tokenStart == index)
            {
                continue;
            }

            var tokenEnd = tokenStart;
            while (tokenEnd < text.Length && IsTokenChar(text[tokenEnd]))
            {
                tokenEnd++;
            }

            if (tokenEnd == tokenStart || (requireEncodedToken && !LooksEncoded(text.AsSpan(tokenStart, tokenEnd - tokenStart))))
            {
                continue;
            }

            result ??= new StringBuilder(text.Length);
            result.Append(text, copied, tokenStart - copied).Append(Mask);
            copied = tokenEnd;
            index = tokenEnd;
        }

        return result is null ? text : result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The characters of RFC 7235's token68.</summary>
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/' or '=';

    /// <summary>Base64 text, told apart from a word by a digit, <c>+ / =</c>, or a capital after the first letter.</summary>
    private static bool LooksEncoded(ReadOnlySpan<char> token)
    {
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (char.IsAsciiDigit(c) || c is '+' or '/' or '=' || (i > 0 && char.IsAsciiLetterUpper(c)))
            {
                return true;
            }
        }

        return false;
    }
}
