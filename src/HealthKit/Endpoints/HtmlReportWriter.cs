using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using HealthKit.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Endpoints;

/// <summary>
/// Writes the status page a browser gets: the same report as the JSON at the same detail level, as one self-contained
/// HTML document with no script and no external resource.
/// </summary>
/// <remarks>
/// Every text that comes from a check, its data or the request is HTML-encoded. The only style is the constant
/// <see cref="Style"/>, allowed by its hash in <see cref="ContentSecurityPolicy"/>, so the policy needs neither
/// <c>'unsafe-inline'</c> nor a nonce, and an injected element could neither run nor style anything.
/// </remarks>
internal static class HtmlReportWriter
{
    public const string ContentType = "text/html; charset=utf-8";

    internal const string Style =
        ":root{color-scheme:light dark;--bg:#f3f5f8;--card:#fff;--fg:#1a1f26;--muted:#596270;--line:#dce1e7;" +
        "--ok:#0f6b2e;--ok-bg:#dcf5e3;--warn:#7a4a00;--warn-bg:#fdefc3;--bad:#b0102a;--bad-bg:#fde2e4}" +
        "@media (prefers-color-scheme:dark){:root{--bg:#0e1116;--card:#171b22;--fg:#e7ecf2;--muted:#9aa3ae;--line:#2c333d;" +
        "--ok:#5fd37c;--ok-bg:#11301c;--warn:#f0bd4f;--warn-bg:#362a0c;--bad:#ff8a84;--bad-bg:#3e1518}}" +
        "*{box-sizing:border-box}" +
        "body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}" +
        "header,main,footer{max-width:960px;margin:0 auto;padding:0 16px}" +
        "header{padding-top:24px}" +
        ".s-healthy{--c:var(--ok);--cb:var(--ok-bg)}.s-degraded{--c:var(--warn);--cb:var(--warn-bg)}.s-unhealthy{--c:var(--bad);--cb:var(--bad-bg)}" +
        ".overall{display:flex;align-items:center;gap:18px;padding:20px 24px;background:var(--card);border:1px solid var(--line);" +
        "border-left:8px solid var(--c);border-radius:12px}" +
        ".overall .sym{flex:none;display:flex;align-items:center;justify-content:center;width:52px;height:52px;border-radius:50%;" +
        "background:var(--cb);color:var(--c);font-size:28px;font-weight:700}" +
        ".endpoint{margin:0;color:var(--muted);font-size:.8125rem;font-weight:600;letter-spacing:.06em;text-transform:uppercase}" +
        "h1{margin:0;font-size:1.875rem;line-height:1.2;color:var(--c)}" +
        ".sub{margin:4px 0 0;color:var(--muted);font-size:.875rem}" +
        ".notes{margin:16px 0 0;padding:12px 16px;background:var(--card);border:1px solid var(--line);border-radius:10px;font-size:.875rem}" +
        ".notes p,.notes ul{margin:0}.notes ul{padding-left:20px}" +
        "h2.list{margin:24px 0 8px;font-size:.8125rem;color:var(--muted);font-weight:600;letter-spacing:.06em;text-transform:uppercase}" +
        ".checks{list-style:none;margin:0;padding:0;display:grid;gap:8px}" +
        ".check{padding:12px 16px;background:var(--card);border:1px solid var(--line);border-left:4px solid var(--c);border-radius:10px}" +
        ".head{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px}" +
        "h3{margin:0;font-size:1rem;font-weight:600;overflow-wrap:anywhere}" +
        ".badge{display:inline-flex;align-items:center;gap:6px;padding:1px 10px;border-radius:999px;background:var(--cb);color:var(--c);" +
        "font-size:.8125rem;font-weight:700}" +
        ".tag{padding:0 8px;border:1px solid var(--line);border-radius:999px;color:var(--muted);font-size:.75rem}" +
        ".meta{margin-left:auto;color:var(--muted);font-size:.8125rem;font-variant-numeric:tabular-nums}" +
        ".desc{margin:6px 0 0;overflow-wrap:anywhere}" +
        ".exc{margin:6px 0 0;color:var(--muted);font-size:.875rem;overflow-wrap:anywhere}" +
        "dl.data{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:6px 16px;margin:10px 0 0;padding:10px 12px;" +
        "background:var(--bg);border-radius:8px}" +
        "dl.data dl.data{margin:4px 0 0;padding:0;background:none}" +
        ".item{min-width:0}.item.group{grid-column:1/-1}" +
        "dt{color:var(--muted);font-size:.75rem;overflow-wrap:anywhere}" +
        "dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8125rem;overflow-wrap:anywhere}" +
        ".group>dt{color:var(--fg);font-weight:600}" +
        "dd ol{margin:0;padding-left:20px}" +
        ".hist{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;margin:8px 0 0;font-size:.75rem}" +
        ".flaps{color:var(--muted)}" +
        ".timeline{display:flex;flex-wrap:wrap;gap:4px;list-style:none;margin:0;padding:0}" +
        ".timeline li{padding:0 6px;border-radius:4px;background:var(--cb);color:var(--c);font-variant-numeric:tabular-nums}" +
        ".changes{margin:6px 0 0;font-size:.8125rem}.changes summary{color:var(--muted);cursor:pointer}" +
        ".changes ol{margin:4px 0 0;padding-left:20px}.changes li{overflow-wrap:anywhere}" +
        "a{color:inherit}" +
        "footer{padding-top:20px;padding-bottom:32px;color:var(--muted);font-size:.8125rem}" +
        "@media (max-width:600px){.overall{padding:16px}.meta{margin-left:0;flex-basis:100%}h1{font-size:1.5rem}}";

    /// <summary>
    /// No script, no external resource, no form, no framing. The favicon is a data URI, and the only style is
    /// <see cref="Style"/>, by hash.
    /// </summary>
    // Stryker disable once String : static initialiser, runs once per test process; Page_SendsAStrictPolicyWhoseHashMatchesItsOnlyStyle_NosniffAndTheNoCacheHeaders fails when it changes
    internal static readonly string ContentSecurityPolicy =
        "default-src 'none'; style-src 'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style))) + "'; " +
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    // Stryker disable once String : static initialiser, runs once per test process; Page_ForARichReport_IsExactlyTheExpectedDocument and Page_AtComponentsLevel_ShowsNamesAndStatuses_NotDescriptionsOrData fail when it changes
    private static readonly StatusLook[] Looks =
    [
        new("Unhealthy", "s-unhealthy", "\u2715", "%23b0102a"),
        new("Degraded", "s-degraded", "!", "%23c27c00"),
        new("Healthy", "s-healthy", "\u2713", "%230f6b2e"),
    ];

    /// <summary>The query parameter that pauses the page's reloading: <c>?refresh=off</c>.</summary>
    internal const string RefreshParameter = "refresh";

    /// <summary>
    /// Sets what the page needs besides the no-cache headers: its type, its policy, no sniffing, and its reload period.
    /// </summary>
    /// <remarks>
    /// The reload is the <c>Refresh</c> response header rather than a <c>&lt;meta http-equiv="refresh"&gt;</c>: browsers
    /// treat both alike, but WCAG 2.2.1 (and axe with it) counts a timed reload in the document as a time limit the
    /// user cannot control. The page offers that control instead, a link that pauses reloading.
    /// </remarks>
    public static void SetHeaders(HttpResponse response, TimeSpan refresh)
    {
        response.ContentType = ContentType;
        var headers = response.Headers;
        if (refresh > TimeSpan.Zero)
        {
            headers["Refresh"] = ((long)refresh.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>Renders the page.</summary>
    /// <param name="endpoint">The endpoint's key, or the check's name for <c>checks/{name}</c>.</param>
    /// <param name="evaluation">The report.</param>
    /// <param name="level">The request's detail level; the page shows exactly what the JSON shows at it.</param>
    /// <param name="notes">Exclusions and warnings from the query.</param>
    /// <param name="now">The engine's clock, for the age of each result.</param>
    /// <param name="refresh">How often the page reloads itself; zero when it does not.</param>
    /// <param name="links">The page's links, built from the request's query.</param>
    public static string Render(string endpoint, Evaluation evaluation, HealthDetailLevel level, ReportNotes? notes, DateTimeOffset now, TimeSpan refresh, PageLinks links)
    {
        var look = Looks[(int)evaluation.Status];
        var name = endpoint.ToLowerInvariant();
        var html = new StringBuilder(4096);

        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"color-scheme\" content=\"light dark\">\n");
        html.Append("<title>").Append(look.Symbol).Append(' ').Append(look.Word).Append(" \u00b7 ");
        Encode(html, name);
        html.Append(" \u00b7 HealthKit</title>\n")
            .Append("<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='")
            .Append(look.IconColor).Append("'/%3E%3C/svg%3E\">\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n");

        html.Append("<header>\n<section class=\"overall ").Append(look.Class).Append("\" data-status=\"").Append(look.Word)
            .Append("\" aria-labelledby=\"overall\">\n<span class=\"sym\" aria-hidden=\"true\">").Append(look.Symbol).Append("</span>\n<div>\n<p class=\"endpoint\">");
        Encode(html, name);
        html.Append("</p>\n<h1 id=\"overall\">").Append(look.Word).Append("</h1>\n<p class=\"sub\">");
        if (level >= HealthDetailLevel.Components)
        {
            WriteCounts(html, evaluation.Outcomes);
            html.Append(" \u00b7 ");
        }

        html.Append("answered in ");
        Encode(html, Duration(evaluation.TotalDuration));
        html.Append(" \u00b7 at <time datetime=\"").Append(now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
            .Append(now.UtcDateTime.ToString("HH:mm:ss", CultureInfo.InvariantCulture)).Append(" UTC</time>");
        if (refresh > TimeSpan.Zero)
        {
            html.Append(" \u00b7 reloads every ").Append(Interval(refresh)).Append(" (<a class=\"pause\" href=\"");
            Encode(html, links.Pause);
            html.Append("\">pause</a>)");
        }
        else if (links.Resume is not null)
        {
            html.Append(" \u00b7 reloading paused (<a class=\"resume\" href=\"");
            Encode(html, links.Resume);
            html.Append("\">resume</a>)");
        }

        html.Append("</p>\n</div>\n</section>\n</header>\n<main>\n");

        WriteNotes(html, notes);
        if (level >= HealthDetailLevel.Components)
        {
            WriteChecks(html, evaluation, level, now);
        }

        html.Append("</main>\n<footer>\n<p>Detail level: ").Append(level switch
        {
            HealthDetailLevel.Status => "Status (the overall status only)",
            HealthDetailLevel.Components => "Components (names and statuses)",
            _ => "Full",
        });
        html.Append(" \u00b7 <a class=\"json\" href=\"");
        Encode(html, links.Json);
        html.Append("\">View as JSON</a> \u00b7 HealthKit</p>\n</footer>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void WriteCounts(StringBuilder html, CheckOutcome[] outcomes)
    {
        Span<int> counts = stackalloc int[3];
        foreach (var outcome in outcomes)
        {
            counts[(int)outcome.Status]++;
        }

        html.Append(CultureInfo.InvariantCulture, $"{outcomes.Length} {(outcomes.Length == 1 ? "check" : "checks")}");
        if (outcomes.Length > 1 && counts[(int)HealthStatus.Healthy] == outcomes.Length)
        {
            html.Append(", all healthy");
            return;
        }

        var separator = ": ";
        for (var status = (int)HealthStatus.Healthy; status >= 0; status--)
        {
            if (counts[status] > 0)
            {
                html.Append(separator).Append(CultureInfo.InvariantCulture, $"{counts[status]} ").Append(Looks[status].Word.ToLowerInvariant());
                separator = ", ";
            }
        }
    }

    private static void WriteNotes(StringBuilder html, ReportNotes? notes)
    {
        if (notes is null || (notes.Excluded.Count == 0 && notes.Warnings.Count == 0))
        {
            return;
        }

        html.Append("<section class=\"notes\" aria-label=\"Query notes\">\n");
        if (notes.Excluded.Count > 0)
        {
            html.Append("<p class=\"excluded\">Excluded: ");
            for (var i = 0; i < notes.Excluded.Count; i++)
            {
                html.Append(i == 0 ? string.Empty : ", ");
                Encode(html, notes.Excluded[i]);
            }

            html.Append("</p>\n");
        }

        if (notes.Warnings.Count > 0)
        {
            html.Append("<ul class=\"warnings\">\n");
            foreach (var warning in notes.Warnings)
            {
                html.Append("<li>");
                Encode(html, warning);
                html.Append("</li>\n");
            }

            html.Append("</ul>\n");
        }

        html.Append("</section>\n");
    }

    private static void WriteChecks(StringBuilder html, Evaluation evaluation, HealthDetailLevel level, DateTimeOffset now)
    {
        html.Append("<h2 class=\"list\">Checks</h2>\n<ul class=\"checks\">\n");
        for (var i = 0; i < evaluation.Slots.Length; i++)
        {
            var slot = evaluation.Slots[i];
            var outcome = evaluation.Outcomes[i];
            var look = Looks[(int)outcome.Status];
            html.Append("<li class=\"check ").Append(look.Class).Append("\" data-check=\"");
            Encode(html, slot.Name);
            html.Append("\" data-status=\"").Append(look.Word).Append("\">\n<div class=\"head\">\n<h3>");
            Encode(html, slot.Name);
            html.Append("</h3>\n<span class=\"badge\"><span aria-hidden=\"true\">").Append(look.Symbol).Append("</span>")
                .Append("<span class=\"status\">").Append(look.Word).Append("</span></span>\n");

            if (level < HealthDetailLevel.Full)
            {
                html.Append("</div>\n");
                WriteHistory(html, slot, level, now);
                html.Append("</li>\n");
                continue;
            }

            foreach (var tag in slot.Tags)
            {
                html.Append("<span class=\"tag\">");
                Encode(html, tag);
                html.Append("</span>\n");
            }

            html.Append("<span class=\"meta\"><time class=\"age\" datetime=\"")
                .Append(outcome.ProducedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
                .Append(Age(now - outcome.ProducedAt)).Append("</time> \u00b7 took <span class=\"duration\">");
            Encode(html, Duration(outcome.Duration));
            html.Append("</span></span>\n</div>\n");

            if (outcome.Description is not null)
            {
                html.Append("<p class=\"desc\">");
                Encode(html, outcome.Description);
                html.Append("</p>\n");
            }

            // The JSON entry is the one walk over the check's sanitized data; it is rendered once per outcome and shared
            // with the JSON writer, so the page shows exactly what the JSON shows.
            using (var entry = JsonDocument.Parse(JsonReportWriter.GetFullEntry(outcome, slot.Tags)))
            {
                var root = entry.RootElement;
                if (root.TryGetProperty("exception", out var exception) && exception.GetString() is { } message)
                {
                    html.Append("<p class=\"exc\">Exception: ");
                    Encode(html, message);
                    html.Append("</p>\n");
                }

                // Stryker disable once Logical : the full entry always has a data object, so "found or an object" is "found"
                if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.EnumerateObject().Any())
                {
                    WriteValue(html, data);
                    html.Append('\n');
                }
            }

            WriteHistory(html, slot, level, now);
            html.Append("</li>\n");
        }

        html.Append("</ul>\n");
    }

    /// <summary>
    /// The check's status changes in its history's window as a row of chips, oldest first, with how many there were; at
    /// Full, what each change said, in a disclosure that needs no script. Nothing when there was no change in the window
    /// or the history is turned off.
    /// </summary>
    private static void WriteHistory(StringBuilder html, CheckSlot slot, HealthDetailLevel level, DateTimeOffset now)
    {
        var history = slot.History;
        if (history.Capacity == 0)
        {
            return;
        }

        var entries = history.Snapshot();
        if (entries.Length == 0)
        {
            // A quiet check stays one line.
            return;
        }

        html.Append("<div class=\"hist\">\n<span class=\"flaps\">")
            .Append(entries.Length == 1 ? "1 change" : string.Create(CultureInfo.InvariantCulture, $"{entries.Length} changes"))
            .Append(" in ").Append(Window(history.Window)).Append("</span>\n");
        html.Append("<ol class=\"timeline\" aria-label=\"Status changes of ");
        Encode(html, slot.Name);
        html.Append(", oldest first\">\n");
        foreach (var entry in entries)
        {
            var look = Looks[(int)entry.To];
            html.Append("<li class=\"").Append(look.Class).Append("\" data-status=\"").Append(look.Word).Append("\">");
            WriteTime(html, entry.At, now);
            html.Append(" <span aria-hidden=\"true\">").Append(look.Symbol).Append("</span> ").Append(look.Word).Append("</li>\n");
        }

        html.Append("</ol>\n</div>\n");
        if (level < HealthDetailLevel.Full)
        {
            return;
        }

        html.Append("<details class=\"changes\">\n<summary>What changed</summary>\n<ol>\n");
        foreach (var entry in entries)
        {
            html.Append("<li>");
            WriteTime(html, entry.At, now);
            html.Append(' ').Append(entry.From is { } from ? Looks[(int)from].Word : "(first result)").Append(" \u2192 ").Append(Looks[(int)entry.To].Word);
            if (entry.Description is not null)
            {
                html.Append(": ");
                Encode(html, entry.Description);
            }

            html.Append("</li>\n");
        }

        html.Append("</ol>\n</details>\n");
    }

    /// <summary>A change's time in UTC: the time of day, with the date when it was not today.</summary>
    private static void WriteTime(StringBuilder html, DateTimeOffset at, DateTimeOffset now)
    {
        var utc = at.UtcDateTime;
        html.Append("<time datetime=\"").Append(utc.ToString("O", CultureInfo.InvariantCulture)).Append("\">")
            .Append(utc.ToString(utc.Date == now.UtcDateTime.Date ? "HH:mm:ss" : "MMM d HH:mm:ss", CultureInfo.InvariantCulture)).Append("</time>");
    }

    /// <summary>A window as the page says it: "24 h", "10 min", "90 s", "7 d".</summary>
    internal static string Window(TimeSpan window) => window switch
    {
        { Ticks: var t } when t % TimeSpan.TicksPerDay == 0 && window.TotalDays > 2 => string.Create(CultureInfo.InvariantCulture, $"{(long)window.TotalDays} d"),
        { Ticks: var t } when t % TimeSpan.TicksPerHour == 0 => string.Create(CultureInfo.InvariantCulture, $"{(long)window.TotalHours} h"),
        { Ticks: var t } when t % TimeSpan.TicksPerMinute == 0 => string.Create(CultureInfo.InvariantCulture, $"{(long)window.TotalMinutes} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(long)window.TotalSeconds} s"),
    };

    private static void WriteValue(StringBuilder html, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                if (!value.EnumerateObject().Any())
                {
                    html.Append("{}");
                    break;
                }

                html.Append("<dl class=\"data\">");
                foreach (var property in value.EnumerateObject())
                {
                    // A nested object gets a row of its own, so its keys line up with their values.
                    var group = property.Value.ValueKind == JsonValueKind.Object && property.Value.EnumerateObject().Any();
                    html.Append(group ? "<div class=\"item group\"><dt>" : "<div class=\"item\"><dt>");
                    Encode(html, property.Name);
                    html.Append("</dt><dd>");
                    WriteValue(html, property.Value);
                    html.Append("</dd></div>");
                }

                html.Append("</dl>");
                break;
            case JsonValueKind.Array:
                if (value.EnumerateArray().All(IsScalar))
                {
                    html.Append('[');
                    var first = true;
                    foreach (var item in value.EnumerateArray())
                    {
                        html.Append(first ? string.Empty : ", ");
                        first = false;
                        WriteValue(html, item);
                    }

                    html.Append(']');
                    break;
                }

                html.Append("<ol>");
                foreach (var item in value.EnumerateArray())
                {
                    html.Append("<li>");
                    WriteValue(html, item);
                    html.Append("</li>");
                }

                html.Append("</ol>");
                break;
            case JsonValueKind.String:
                Encode(html, value.GetString()!);
                break;
            case JsonValueKind.Null:
                html.Append("null");
                break;
            default:
                // Numbers, true and false, exactly as the JSON has them: digits, signs, '.', 'e' and letters only.
                html.Append(value.GetRawText());
                break;
        }
    }

    private static bool IsScalar(JsonElement value) => value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);

    private static void Encode(StringBuilder html, string text) => html.Append(Encoder.Encode(text));

    internal static string Age(TimeSpan age) => age.TotalSeconds switch
    {
        < 1 => "just now",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalSeconds} s ago"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes} min ago"),
        < 86400 => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalHours} h ago"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalDays} d ago"),
    };

    internal static string Duration(TimeSpan duration) => duration.TotalMilliseconds switch
    {
        < 0.05 => "<0.1 ms",
        < 10 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0.0} ms"),
        < 1000 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.00} s"),
    };

    private static string Interval(TimeSpan interval) => interval.TotalSeconds < 60 || interval.Seconds != 0
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)interval.TotalSeconds} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(long)interval.TotalMinutes} min");

    /// <summary>
    /// The page's links: the same URL with the request's other query parameters kept, as JSON, with reloading paused,
    /// and with it resumed (only when it is paused). Every one is a relative URL built by <see cref="QueryBuilder"/>, so
    /// each parameter is URL-encoded; the page HTML-encodes them again when it writes them.
    /// </summary>
    internal sealed record PageLinks(string Json, string Pause, string? Resume)
    {
        public static PageLinks For(HttpRequest request, bool paused)
        {
            // Stryker disable once String : "" has no last segment either, so the target is "." all the same
            var path = request.Path.HasValue ? request.Path.Value! : "/";

            // Without a '/', the last segment is the whole path: LastIndexOf gives -1, and the segment starts at 0.
            var file = path[(path.LastIndexOf('/') + 1)..];

            // "./name" keeps a last segment such as "ready" relative, and "." keeps "/health/" where it is.
            var target = file.Length == 0 ? "." : "./" + Uri.EscapeDataString(file);
            return new(
                target + With(request.Query, "format", "json"),
                target + With(request.Query, RefreshParameter, "off"),
                paused ? target + With(request.Query, RefreshParameter, value: null) : null);
        }

        private static string With(IQueryCollection query, string key, string? value)
        {
            var builder = new QueryBuilder();
            foreach (var (name, values) in query)
            {
                if (!name.Equals(key, StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var item in values)
                    {
                        builder.Add(name, item ?? string.Empty);
                    }
                }
            }

            if (value is not null)
            {
                builder.Add(key, value);
            }

            // "?a=1&b=2", or "" when there is no parameter.
            return builder.ToString();
        }
    }

    private sealed record StatusLook(string Word, string Class, string Symbol, string IconColor);
}
