using HealthKit.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace HealthKit.Endpoints;

/// <summary>
/// What a request asks of an endpoint beyond the defaults: checks to exclude, a verbose answer, or plain text. Parsing is
/// bounded; anything out of bounds is a 400, never a 500.
/// </summary>
internal readonly struct HealthRequest
{
    internal const int MaxQueryLength = 2048;
    internal const int MaxExcluded = 64;
    internal const int MaxNameLength = Engine.CheckNames.MaxLength;

    /// <summary>The answer to a <c>verbose</c> value that is neither on nor off; it names every value that is.</summary>
    internal const string VerboseError = "verbose must be 'true', '1' or empty (?verbose) to turn it on, or 'false' or '0' to turn it off";

    /// <summary>The answer to a <c>history</c> value that is neither on nor off; it names every value that is.</summary>
    internal const string HistoryError = "history must be 'true', '1' or empty (?history) to turn it on, or 'false' or '0' to turn it off";

    private HealthRequest(CheckSlot[] slots, ReportNotes? notes, bool verbose, bool text, string? error, bool history = false)
    {
        Slots = slots;
        Notes = notes;
        Verbose = verbose;
        Text = text;
        Error = error;
        History = history;
    }

    public CheckSlot[] Slots { get; }

    public ReportNotes? Notes { get; }

    public bool Verbose { get; }

    public bool Text { get; }

    /// <summary>Whether the JSON should carry each check's status history (<c>?history</c>), at Components and above.</summary>
    public bool History { get; }

    /// <summary>Why the request is refused with 400, or <see langword="null"/>.</summary>
    public string? Error { get; }

    public static HealthRequest Parse(HttpRequest request, CheckSlot[] slots)
    {
        var text = PrefersText(request.Headers.Accept);
        if (!request.QueryString.HasValue)
        {
            return new(slots, null, verbose: false, text, error: null);
        }

        if (request.QueryString.Value!.Length > MaxQueryLength)
        {
            return Fail($"the query string is longer than {MaxQueryLength} characters");
        }

        var query = request.Query;
        if (query.TryGetValue("format", out var format))
        {
            switch (format.ToString().ToLowerInvariant())
            {
                case "json":
                    text = false;
                    break;
                case "text":
                    text = true;
                    break;
                default:
                    return Fail("format must be 'json' or 'text'");
            }
        }

        var verbose = false;
        if (query.TryGetValue("verbose", out var verboseValues) && !TryParseFlag(verboseValues.ToString(), out verbose))
        {
            return Fail(VerboseError);
        }

        var history = false;
        if (query.TryGetValue("history", out var historyValues) && !TryParseFlag(historyValues.ToString(), out history))
        {
            return Fail(HistoryError);
        }

        if (!query.TryGetValue("exclude", out var excludeValues))
        {
            return new(slots, null, verbose, text, error: null, history);
        }

        var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in excludeValues)
        {
            foreach (var part in (value ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (part.Length > MaxNameLength)
                {
                    return Fail($"an excluded check name is longer than {MaxNameLength} characters");
                }

                if (excluded.Add(part) && excluded.Count > MaxExcluded)
                {
                    return Fail($"at most {MaxExcluded} checks can be excluded");
                }
            }
        }

        var notes = new ReportNotes();
        var kept = new List<CheckSlot>(slots.Length);
        foreach (var slot in slots)
        {
            if (!excluded.Remove(slot.Name))
            {
                kept.Add(slot);
            }
            else if (slot.IsLifecycle)
            {
                // A probe URL with ?exclude=availability would keep readiness passing through a shutdown.
                notes.Warnings.Add($"cannot exclude '{slot.Name}': lifecycle checks always run");
                kept.Add(slot);
            }
            else
            {
                notes.Excluded.Add(slot.Name);
            }
        }

        foreach (var unknown in excluded.Order(StringComparer.Ordinal))
        {
            notes.Warnings.Add($"cannot exclude '{unknown}': this endpoint runs no check of that name");
        }

        return new([.. kept], notes, verbose, text, error: null, history);

        // A refusal is written in the format the request asked for so far (a person reading text sees why); its Verbose is never read.
        // Stryker disable once Boolean : see above
        HealthRequest Fail(string error) => new(slots, null, verbose: false, text, error);
    }

    /// <summary>
    /// A flag such as <c>?verbose</c> or <c>?history</c>: the bare name, an empty value, <c>true</c> and <c>1</c> turn it
    /// on, <c>false</c> and <c>0</c> off (the words in any case); any other value, <c>yes</c> and <c>no</c> included, is
    /// refused rather than guessed at. A repeated parameter arrives joined with commas, and is refused too.
    /// </summary>
    private static bool TryParseFlag(string value, out bool on)
    {
        on = value.Length == 0 || value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);
        return on || value == "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Plain text only when the client asks for it and not for JSON; the kubelet's <c>*/*</c> gets JSON.</summary>
    private static bool PrefersText(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (accept.Count == 0 || (accept.Count == 1 && !accept[0]!.Contains("text/plain", StringComparison.OrdinalIgnoreCase)))
        {
            // The common cases (none, or the kubelet's */*) are decided without parsing or allocating.
            return false;
        }

        var wantsText = false;
        if (MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            foreach (var type in types)
            {
                if (type.Quality is 0)
                {
                    continue;
                }

                if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    return false;
                }

                wantsText |= type.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase);
            }
        }

        return wantsText;
    }
}
