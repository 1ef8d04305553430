using System.Buffers;

namespace HealthKit.Redaction;

/// <summary>Keys that name a secret, and the values that follow them in text.</summary>
internal sealed partial class SecretRedactor
{
    /// <summary>Only the end of a longer key is read: that is where its last word, and so the decision, lies.</summary>
    private const int MaxKeyLength = 128;

    /// <summary>
    /// Spring Boot's list, by words. Plurals are included: a value under <c>cacheKeys</c> may be a count, but it may also
    /// be the keys, and redacting a count costs less than leaking a key.
    /// </summary>
    // Stryker disable once String : static initialiser, runs once per test process; an empty word makes every key a secret's name, and SecretRedactorTests.IsSecretKey_OtherName_IsFalse fails when any of them changes
    private static readonly string[] BuiltInSecretWords =
    [
        "password", "passwords", "passwd", "pwd", "passphrase",
        "secret", "secrets",
        "key", "keys",
        "token", "tokens",
        "credential", "credentials",
        "authorization", "cookie",
        "sig", "signature",
    ];

    // Stryker disable once String : static initialiser, runs once per test process; SecretRedactorTests.Redact_PairAtTheEdges fails when it changes
    private static readonly SearchValues<char> PairSeparators = SearchValues.Create("=:");

    /// <summary>
    /// A key is split into words at punctuation, spaces, digits and camelCase boundaries, and names a secret when its last
    /// word (numbers aside) ends with a secret word, or it is <c>vcap_services</c>. A key holding <c>/</c> or <c>\</c> is a
    /// path, never a secret's name.
    /// </summary>
    private bool IsSecretName(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || key.IndexOfAny('/', '\\') >= 0)
        {
            return false;
        }

        // Stryker disable once Equality : a key of exactly MaxKeyLength characters is the same span either way
        if (key.Length > MaxKeyLength)
        {
            key = key[^MaxKeyLength..];
        }

        var position = 0;
        var previousWasVcap = false;
        Range? last = null;
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
                last = start..position;
            }
        }

        if (last is not { } lastRange)
        {
            return false;
        }

        var lastWord = key[lastRange];
        foreach (var secret in _secretWords)
        {
            if (lastWord.EndsWith(secret, StringComparison.OrdinalIgnoreCase))
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

    /// <summary>
    /// The value of every pair whose key names a secret: <c>Password=x</c>, <c>"token": "x"</c>, <c>?sig=x</c>,
    /// <c>Authorization: Basic x</c>.
    /// </summary>
    private void AddPairs(string text, List<(int Start, int End)> ranges)
    {
        var index = 0;
        while (true)
        {
            var found = text.AsSpan(index).IndexOfAny(PairSeparators);
            if (found < 0)
            {
                return;
            }

            var separator = index + found;
            index = separator + 1;
            if (text[separator] == ':' && text.AsSpan(index).StartsWith("//", StringComparison.Ordinal))
            {
                continue; // A URI's scheme; its user-info is a recognizer of its own.
            }

            if (!TryReadKey(text, separator, out var keyStart, out var quotedKey) ||
                !IsSecretName(text.AsSpan(keyStart, separator - keyStart)))
            {
                continue;
            }

            var valueStart = separator + 1;
            while (valueStart < text.Length && text[valueStart] is ' ' or '\t')
            {
                valueStart++;
            }

            var context = quotedKey ? ValueContext.Json
                : keyStart > 0 && text[keyStart - 1] is '?' or '&' ? ValueContext.Query
                : text[separator] == '=' && FollowsSemicolon(text, keyStart) ? ValueContext.Text
                : ValueContext.Line;
            var (maskStart, maskEnd, next) = FindValue(text, valueStart, context);
            Add(text, ranges, maskStart, maskEnd);
            index = Math.Max(index, next);
        }
    }

    /// <summary>
    /// Where the key that ends just before <paramref name="separator"/> starts: a run of name characters, or a quoted name
    /// as in JSON. A run that follows <c>/</c> or <c>\</c> is a path segment (<c>/var/keys:/data</c>), not a key.
    /// </summary>
    private static bool TryReadKey(string text, int separator, out int start, out bool quoted)
    {
        start = separator;
        quoted = false;
        var end = separator;
        var limit = Math.Max(0, separator - MaxKeyLength);
        while (end > limit && text[end - 1] is ' ' or '\t')
        {
            end--;
        }

        if (end > 1 && text[end - 1] is '"' or '\'')
        {
            // An empty name ("": x) is read, and names no secret.
            start = text.LastIndexOf(text[end - 1], end - 2, end - 1 - limit);
            quoted = true;
            return start >= 0;
        }

        start = end;
        while (start > limit && IsKeyChar(text[start - 1]))
        {
            start--;
        }

        return start != end && !(start > 0 && text[start - 1] is '/' or '\\');
    }

    /// <summary>Whether the key follows a <c>;</c>: it is a member of a connection string, not the first.</summary>
    private static bool FollowsSemicolon(string text, int keyStart)
    {
        var before = keyStart;
        while (before > 0 && text[before - 1] is ' ' or '\t')
        {
            before--;
        }

        return before > 0 && text[before - 1] == ';';
    }

    private enum ValueContext
    {
        /// <summary>
        /// A member of a connection string after the first: <c>;</c> is the only separator, and ends a value only where
        /// another <c>key=</c> follows it (or the line ends), so a stray <c>;</c> in an unquoted password does not cut it.
        /// </summary>
        Text,

        /// <summary>
        /// Anything else: a header, a YAML line, an environment variable, a pair in prose, the first member of a connection
        /// string. Nothing tells a separator from a character of the password, so the value is the rest of the line.
        /// </summary>
        Line,

        /// <summary>After <c>?</c> or <c>&amp;</c>: a query string, whose values are percent-encoded.</summary>
        Query,

        /// <summary>After a quoted key: JSON, whose bare values are numbers and literals.</summary>
        Json,
    }

    /// <summary>
    /// Where the value starting at <paramref name="start"/> lies. A value quoted with <c>"</c> or <c>'</c> runs to its
    /// closing quote (a doubled quote, as ADO.NET writes it, or a backslash escape, as JSON writes it, does not close it);
    /// a value in ODBC braces runs to its closing brace (<c>}}</c> does not close it). An unclosed quote or brace runs to
    /// the end of the line. A bare value runs to <c>;</c> or the end of the line, so that <c>&amp;</c>, <c>,</c> and spaces
    /// stay inside it; only in a query string does <c>&amp;</c> end it.
    /// </summary>
    private static (int MaskStart, int MaskEnd, int Next) FindValue(string text, int start, ValueContext context)
    {
        if (start >= text.Length)
        {
            return (start, start, start);
        }

        // An empty value (Host=db;Password=;Port=5432) is a bare value that ends where it starts.
        var first = text[start];
        if (first is '"' or '\'' or '{')
        {
            var closing = first == '{' ? '}' : first;
            var close = start + 1;
            while (close < text.Length && !IsLineBreak(text[close]))
            {
                var c = text[close];
                if (c == '\\' && first == '"')
                {
                    close += 2;
                    continue;
                }

                if (c == closing)
                {
                    if (close + 1 < text.Length && text[close + 1] == closing)
                    {
                        close += 2;
                        continue;
                    }

                    // A value that goes on after its "closing" quote was not quoted (Password={a}b;): mask it as bare.
                    var after = close + 1;
                    if (!ClosesValue(text, after, context))
                    {
                        var bareEnd = BareEnd(text, after, context);
                        return (start, bareEnd, bareEnd);
                    }

                    return (start + 1, close, after);
                }

                close++;
            }

            close = Math.Min(close, text.Length);
            return (start + 1, close, close);
        }

        var end = BareEnd(text, start, context);
        return (start, end, end);
    }

    private static int BareEnd(string text, int start, ValueContext context)
    {
        var end = start;
        while (end < text.Length && !EndsBareValue(text[end], context))
        {
            end++;
        }

        while (context == ValueContext.Text && end < text.Length && text[end] == ';' && !StartsPair(text, end + 1))
        {
            end++;
            while (end < text.Length && !EndsBareValue(text[end], context))
            {
                end++;
            }
        }

        return end;
    }

    /// <summary>Whether a <c>key=</c> pair (or the end of the line) follows at <paramref name="index"/>.</summary>
    private static bool StartsPair(string text, int index)
    {
        var i = index;
        while (i < text.Length && text[i] is ' ' or '\t')
        {
            i++;
        }

        if (i == text.Length || IsLineBreak(text[i]))
        {
            return true;
        }

        var keyStart = i;
        while (i < text.Length && i - keyStart < MaxKeyLength && (IsKeyChar(text[i]) || text[i] == ' '))
        {
            i++;
        }

        return i > keyStart && i < text.Length && text[i] == '=';
    }

    /// <summary>
    /// Whether a closing quote at <paramref name="after"/> - 1 really closes the value. In JSON a separator or a bracket
    /// follows it; in a connection string or a line, only spaces and then <c>;</c> or the end of the line may (an ODBC
    /// builder writes <c>PWD="a" b</c> unquoted, and that value runs on past its second quote).
    /// </summary>
    private static bool ClosesValue(string text, int after, ValueContext context)
    {
        if (context == ValueContext.Json)
        {
            return after >= text.Length || text[after] is ',' or '}' or ']' || char.IsWhiteSpace(text[after]);
        }

        while (after < text.Length && text[after] is ' ' or '\t')
        {
            after++;
        }

        return after >= text.Length || text[after] == ';' || IsLineBreak(text[after]);
    }

    private static bool EndsBareValue(char c, ValueContext context) => IsLineBreak(c) || (c == ';' && context != ValueContext.Line) || context switch
    {
        ValueContext.Query => c is '&' or '#' or '"' or '\'' or '<' or '>' || char.IsWhiteSpace(c),
        ValueContext.Json => c is ',' or '}' or ']' || char.IsWhiteSpace(c),
        _ => false,
    };
}
