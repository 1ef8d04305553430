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

    private HealthRequest(CheckSlot[] slots, ReportNotes? notes, bool verbose, bool text, string? error)
    {
        Slots = slots;
        Notes = notes;
        Verbose = verbose;
        Text = text;
        Error = error;
    }

    public CheckSlot[] Slots { get; }

    public ReportNotes? Notes { get; }

    public bool Verbose { get; }

    public bool Text { get; }

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
        var verbose = query.TryGetValue("verbose", out var verboseValues) && IsOn(verboseValues.ToString());

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

        if (!query.TryGetValue("exclude", out var excludeValues))
        {
            return new(slots, null, verbose, text, error: null);
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

        return new([.. kept], notes, verbose, text, error: null);

        // Stryker disable once Boolean : a failed request is answered from its Error alone; its Verbose and Text are never read
        HealthRequest Fail(string error) => new(slots, null, verbose: false, text: false, error);
    }

    private static bool IsOn(string value) =>
        value.Length == 0 || !(value.Equals("false", StringComparison.OrdinalIgnoreCase) || value == "0");

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
