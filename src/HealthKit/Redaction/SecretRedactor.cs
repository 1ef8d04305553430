using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;

namespace HealthKit.Redaction;

/// <summary>
/// The boundary between what checks produce and what leaves the process. Every path out (responses at every level,
/// logs, spans, publishers, listeners) reads text that went through here once, when the result was produced.
/// </summary>
/// <remarks>
/// <para>
/// Text is classified in two ways, as <c>Microsoft.Extensions.Compliance.Redaction</c> classifies data: by where a value
/// stands (under a key that names a secret) and by what it looks like (a self-identifying token, a private key, a URI's
/// password). Each recognizer reports the ranges it would mask over the original text; the ranges are merged and
/// replaced by one <see cref="Redactor.Mask"/> each, so no recognizer sees another's output and the order in which they
/// run cannot leave half a secret.
/// </para>
/// <para>
/// Recognizers scan by hand, each character a bounded number of times, so hostile input of any size costs linear time.
/// The users' own patterns run with a timeout; a pattern that times out masks the whole text.
/// </para>
/// </remarks>
internal sealed partial class SecretRedactor
{
    private static SecretRedactor? s_default;

    private static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    private readonly string[] _secretWords;
    private readonly Regex[] _patterns;

    public SecretRedactor(IEnumerable<string> extraSecretWords, IEnumerable<string> extraPatterns)
    {
        _secretWords = [.. BuiltInSecretWords, .. extraSecretWords.Where(w => !string.IsNullOrWhiteSpace(w)).Select(w => w.Trim())];
        _patterns = [.. extraPatterns.Where(p => !string.IsNullOrEmpty(p)).Select(CreatePattern)];
    }

    /// <summary>The built-in words and formats only. Built on first use: the word list of another part must exist first.</summary>
    public static SecretRedactor Default => s_default ??= new([], []);

    /// <summary>Builds the redactor the options describe; the options were validated at startup.</summary>
    public static SecretRedactor From(HealthKitRedactionOptions options) =>
        options.SecretKeyWords.Count == 0 && options.SecretPatterns.Count == 0
            ? Default
            : new SecretRedactor(options.SecretKeyWords, options.SecretPatterns);

    /// <summary>A user's pattern as it runs: culture-invariant, with a timeout so that it cannot stall a probe.</summary>
    public static Regex CreatePattern(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, PatternTimeout);

    /// <summary>Whether a value stored under <paramref name="key"/> must be replaced by <see cref="Redactor.Mask"/>.</summary>
    public bool IsSecretKey([NotNullWhen(true)] string? key) => key is not null && IsSecretName(key.AsSpan());

    /// <summary>
    /// Masks every secret <paramref name="text"/> carries. Returns the same instance when nothing is masked.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public string? Redact(string? text) => Redact(text, cut: false);

    /// <summary>
    /// The text as it may leave the process: secrets masked, then cut at <paramref name="maxLength"/> and escaped by
    /// <see cref="TextBounds.Clean"/>. Of a long text only a window of four times the kept length is scanned, so a
    /// 2 MB description costs what a short one does; anything that runs into the window's end is masked to it.
    /// </summary>
    public string Bounded(string text, int maxLength)
    {
        var window = Math.Max(4 * maxLength, 4096);
        return text.Length > window
            ? TextBounds.Clean(Redact(text[..window], cut: true), maxLength, text.Length - window)
            : TextBounds.Clean(Redact(text, cut: false), maxLength);
    }

    [return: NotNullIfNotNull(nameof(text))]
    private string? Redact(string? text, bool cut)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var ranges = new List<(int Start, int End)>();
        AddPairs(text, ranges);
        AddUserInfo(text, ranges, cut);
        AddSchemes(text, ranges);
        AddTokens(text, ranges);
        AddPrivateKeys(text, ranges);
        if (!AddPatterns(text, ranges))
        {
            return Redactor.Mask;
        }

        return ranges.Count == 0 ? text : Apply(text, ranges);
    }

    /// <summary>Replaces each run of overlapping or touching ranges by one mask.</summary>
    private static string Apply(string text, List<(int Start, int End)> ranges)
    {
        ranges.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var result = new StringBuilder(text.Length);
        var copied = 0;
        var i = 0;
        while (i < ranges.Count)
        {
            var (start, end) = ranges[i++];
            while (i < ranges.Count && ranges[i].Start <= end)
            {
                end = Math.Max(end, ranges[i++].End);
            }

            result.Append(text, copied, start - copied).Append(Redactor.Mask);
            copied = end;
        }

        return result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Adds the range of a value unless it is empty or already the mask (text redacted twice stays the same).</summary>
    private static void Add(string text, List<(int Start, int End)> ranges, int start, int end)
    {
        if (end > start && !text.AsSpan(start, end - start).SequenceEqual(Redactor.Mask))
        {
            ranges.Add((start, end));
        }
    }

    private bool AddPatterns(string text, List<(int Start, int End)> ranges)
    {
        foreach (var pattern in _patterns)
        {
            try
            {
                for (var match = pattern.Match(text); match.Success; match = match.NextMatch())
                {
                    var group = match.Groups["secret"];
                    var found = group.Success ? group : match;
                    Add(text, ranges, found.Index, found.Index + found.Length);
                }
            }
            catch (RegexMatchTimeoutException)
            {
                return false;
            }
        }

        return true;
    }
}
