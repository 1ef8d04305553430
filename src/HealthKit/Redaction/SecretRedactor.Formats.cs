namespace HealthKit.Redaction;

/// <summary>Secrets recognised by their shape: URI passwords, authorization credentials, tokens and private keys.</summary>
internal sealed partial class SecretRedactor
{
    /// <summary>Token formats that name themselves: a prefix, then at least so many characters of the format's alphabet.</summary>
    // Stryker disable once String : static initialiser, runs once per test process; an empty prefix stops the scan advancing, and SecretRedactorTests.Redact_SelfIdentifyingToken_NeedsItsLengthAndAStartOfWord hangs when any of them changes
    private static readonly (string Prefix, int MinLength, Func<char, bool> IsTokenChar)[] SelfIdentifyingTokens =
    [
        ("ghp_", 20, char.IsAsciiLetterOrDigit), // GitHub personal access token
        ("gho_", 20, char.IsAsciiLetterOrDigit), // GitHub OAuth token
        ("ghu_", 20, char.IsAsciiLetterOrDigit), // GitHub user-to-server token
        ("ghs_", 20, char.IsAsciiLetterOrDigit), // GitHub server-to-server token
        ("ghr_", 20, char.IsAsciiLetterOrDigit), // GitHub refresh token
        ("github_pat_", 20, IsWordChar), // GitHub fine-grained token
        ("glpat-", 20, IsUrlSafeChar), // GitLab personal access token
        ("xoxa-", 8, IsUrlSafeChar), // Slack tokens
        ("xoxb-", 8, IsUrlSafeChar),
        ("xoxp-", 8, IsUrlSafeChar),
        ("xoxr-", 8, IsUrlSafeChar),
        ("xoxe-", 8, IsUrlSafeChar),
        ("xapp-", 8, IsUrlSafeChar),
        ("sk_live_", 16, IsWordChar), // Stripe
        ("rk_live_", 16, IsWordChar),
        ("sk_test_", 16, IsWordChar),
        ("npm_", 30, char.IsAsciiLetterOrDigit),
        ("AIza", 30, IsUrlSafeChar), // Google API key
        ("AKIA", 16, IsUpperOrDigit), // AWS access key id
        ("ASIA", 16, IsUpperOrDigit), // AWS temporary access key id
        ("eyJ", 8, IsJwtChar), // JWT (and JWE): base64url of '{"', in dot-separated parts
    ];

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsUrlSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    private static bool IsUpperOrDigit(char c) => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c);

    private static bool IsJwtChar(char c) => IsUrlSafeChar(c) || c is '.' or '=';

    /// <summary>
    /// The password in <c>scheme://user:password@host</c>. The user-info runs from the scheme to the last <c>@</c> before
    /// the end of the URI (white space, a quote or an angle bracket), so a password holding an unencoded <c>/ ? # @</c>
    /// is masked whole; a URI whose path holds an <c>@</c> loses more than its password, never less.
    /// </summary>
    private static void AddUserInfo(string text, List<(int Start, int End)> ranges, bool cut)
    {
        // The end of the URI and the last '@' before it are found once per run of text between two ends, not once per
        // "://" in it: text made of "x://" repeated would otherwise cost time quadratic in its length.
        var end = 0;
        var lastAt = 0;
        var index = 0;
        while (true)
        {
            var found = text.IndexOf("://", index, StringComparison.Ordinal);
            if (found < 0)
            {
                return;
            }

            var authority = found + 3;

            // Stryker disable once Equality : at an equal end the "://" closes the last run, whose '@' is then before it either way
            if (authority > end)
            {
                end = authority;
                while (end < text.Length && text[end] is not ('"' or '\'' or '<' or '>') && !char.IsWhiteSpace(text[end]))
                {
                    end++;
                }

                lastAt = text.LastIndexOf('@', end - 1, end - authority);
            }

            index = authority;
            if (found == 0 || !char.IsAsciiLetterOrDigit(text[found - 1]))
            {
                continue;
            }

            // A URI that runs into the end of a cut text may have its '@' beyond the cut: mask it from its first ':'.
            var at = cut && end == text.Length ? end : lastAt;

            // Stryker disable once Equality : an '@' right after "//" leaves no user-info, so no ':' is found in it either way
            if (at < authority)
            {
                continue;
            }

            var colon = text.AsSpan(authority, at - authority).IndexOf(':');
            if (colon >= 0)
            {
                Add(text, ranges, authority + colon + 1, at);
            }
        }
    }

    /// <summary>
    /// The credentials after an authorization scheme outside a header (<c>Bearer eyJ...</c>, <c>Basic dXNlcjpwYXNz</c>);
    /// an <c>Authorization:</c> header is a key that names a secret, so its whole value is masked whatever the scheme.
    /// </summary>
    private static void AddSchemes(string text, List<(int Start, int End)> ranges)
    {
        AddScheme(text, ranges, "Bearer", requireEncodedToken: false);

        // "Basic" is also an English word; only a token that looks encoded ("dXNlcjpwYXNz") is taken for a credential.
        AddScheme(text, ranges, "Basic", requireEncodedToken: true);
    }

    private static void AddScheme(string text, List<(int Start, int End)> ranges, string scheme, bool requireEncodedToken)
    {
        var index = 0;
        while (true)
        {
            var found = text.IndexOf(scheme, index, StringComparison.OrdinalIgnoreCase);
            if (found < 0)
            {
                return;
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
            while (tokenEnd < text.Length && IsToken68Char(text[tokenEnd]))
            {
                tokenEnd++;
            }

            if (!requireEncodedToken || LooksEncoded(text.AsSpan(tokenStart, tokenEnd - tokenStart)))
            {
                Add(text, ranges, tokenStart, tokenEnd);
            }

            index = tokenEnd;
        }
    }

    /// <summary>The characters of RFC 7235's token68.</summary>
    private static bool IsToken68Char(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/' or '=';

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

    /// <summary>Self-identifying tokens, masked after their prefix, which says what kind of secret was there.</summary>
    private static void AddTokens(string text, List<(int Start, int End)> ranges)
    {
        foreach (var (prefix, minLength, isTokenChar) in SelfIdentifyingTokens)
        {
            var index = 0;
            while (true)
            {
                var found = text.IndexOf(prefix, index, StringComparison.Ordinal);
                if (found < 0)
                {
                    break;
                }

                var start = found + prefix.Length;
                var end = start;
                while (end < text.Length && isTokenChar(text[end]))
                {
                    end++;
                }

                index = end;
                if (end - start >= minLength && (found == 0 || !char.IsAsciiLetterOrDigit(text[found - 1])))
                {
                    Add(text, ranges, start, end);
                }
            }
        }
    }

    /// <summary>
    /// The body of a PEM private key, <c>-----BEGIN ... PRIVATE KEY-----</c> to its <c>-----END</c>, or to the end of the
    /// text when the end line is missing (a truncated key is still a key).
    /// </summary>
    private static void AddPrivateKeys(string text, List<(int Start, int End)> ranges)
    {
        const string Begin = "-----BEGIN ";
        const string Dashes = "-----";
        var index = 0;
        while (true)
        {
            var found = text.IndexOf(Begin, index, StringComparison.Ordinal);
            if (found < 0)
            {
                return;
            }

            var labelStart = found + Begin.Length;
            var labelLength = text.AsSpan(labelStart).IndexOf(Dashes);
            if (labelLength < 0)
            {
                return;
            }

            var label = text.AsSpan(labelStart, labelLength);
            var bodyStart = labelStart + labelLength + Dashes.Length;
            index = bodyStart;
            if (label.Length > 64 || !label.Contains("PRIVATE KEY", StringComparison.Ordinal))
            {
                continue;
            }

            var bodyLength = text.AsSpan(bodyStart).IndexOf("-----END");
            var bodyEnd = bodyLength < 0 ? text.Length : bodyStart + bodyLength;
            Add(text, ranges, bodyStart, bodyEnd);
            index = bodyEnd;
        }
    }
}
