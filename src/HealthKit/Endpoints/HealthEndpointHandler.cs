using System.Buffers;
using System.Text;
using System.Text.Json;
using HealthKit.Engine;
using HealthKit.HealthJson;
using HealthKit.Internal;
using HealthKit.Listeners;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace HealthKit.Endpoints;

/// <summary>Answers one HealthKit endpoint, or the per-check endpoint <c>checks/{name}</c>.</summary>
internal sealed class HealthEndpointHandler
{
    private const string NoCache = "no-store, no-cache";
    private const string PragmaNoCache = "no-cache";
    private const string ExpiresInThePast = "Thu, 01 Jan 1970 00:00:00 GMT";
    private const string AllowedMethods = "GET, HEAD";

    private readonly HealthEngine _engine;
    private readonly HealthEndpointOptions _endpoint;
    private readonly CheckSlot[] _slots;
    private readonly JsonEncodedText[] _names;
    private readonly Dictionary<string, CheckSlot[]> _single;
    private readonly HealthDetailLevel _detailLevel;
    private readonly bool _verboseLifts;
    private readonly DetailsPolicy? _detailsPolicy;
    private readonly HealthDetailLevel _authorizedDetailLevel;
    private readonly ILogger _logger;
    private readonly AnswerCache _answers;

    public HealthEndpointHandler(
        HealthEngine engine,
        HealthEndpointOptions endpoint,
        bool fullDetails,
        DetailsPolicy? detailsPolicy,
        ILogger logger)
    {
        _engine = engine;
        _endpoint = endpoint;
        _slots = engine.SlotsFor(endpoint);
        _names = JsonReportWriter.EncodeNames(engine.Slots);
        _single = _slots.ToDictionary(slot => slot.Name, slot => new[] { slot }, StringComparer.OrdinalIgnoreCase);
        _detailLevel = fullDetails ? HealthDetailLevel.Full : endpoint.DetailLevel;

        // A level the operator chose is a ceiling; only the default is the kube-apiserver-style floor ?verbose lifts.
        _verboseLifts = !endpoint.DetailLevelSet;
        _detailsPolicy = detailsPolicy;
        _authorizedDetailLevel = engine.Options.AuthorizedDetailLevel;
        _logger = logger;
        _answers = new AnswerCache(engine);
    }

    public Task InvokeAsync(HttpContext context) => AnswerAsync(context, _slots, _endpoint.Key);

    /// <summary>Answers <c>checks/{name}</c>: that one check, or 404 when this endpoint runs no check of that name.</summary>
    public Task InvokeCheckAsync(HttpContext context)
    {
        var name = context.Request.RouteValues["name"] as string;
        if (name is null || name.Length > HealthRequest.MaxNameLength || !_single.TryGetValue(name, out var slot))
        {
            return WriteErrorAsync(context, StatusCodes.Status404NotFound, "no health check of that name");
        }

        return AnswerAsync(context, slot, slot[0].Name);
    }

    /// <summary>
    /// Answers any method but GET and HEAD on a HealthKit route: 405 naming the allowed methods, with the same no-cache
    /// headers as every other answer (routing's own 405 has none, and a 405 may be cached by default).
    /// </summary>
    public static Task MethodNotAllowedAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        response.Headers.Allow = AllowedMethods;
        SetNoCacheHeaders(response);
        return Task.CompletedTask;
    }

    private async Task AnswerAsync(HttpContext context, CheckSlot[] slots, string name)
    {
        var aborted = context.RequestAborted;
        try
        {
            var request = HealthRequest.Parse(context.Request, slots);
            if (request.Error is not null)
            {
                await WriteErrorAsync(context, StatusCodes.Status400BadRequest, request.Error, request.Text).ConfigureAwait(false);
                return;
            }

            var granted = await GetDetailLevelAsync(context).ConfigureAwait(false);
            var level = granted;
            // Stryker disable once Equality : at Components the assignment below changes nothing
            if (request.Verbose && _verboseLifts && level < HealthDetailLevel.Components)
            {
                // ?verbose names the checks and their statuses (as /health does by default), never their details.
                level = HealthDetailLevel.Components;
            }

            var levels = new Levels(level, granted);
            if (CacheKey(context, request, levels) is { } key)
            {
                await AnswerFromCacheAsync(context, key, levels, request).ConfigureAwait(false);
                return;
            }

            // The endpoint's status as listeners, logs and gauges know it is kept by the engine as results change; the
            // answer is this evaluation's.
            var evaluation = await _engine.EvaluateAsync(request.Slots, _endpoint.Deadline, aborted).ConfigureAwait(false);
            await WriteAsync(context, name, evaluation, levels, request).ConfigureAwait(false);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away. Nothing shared was cancelled, and this is not an error.
            Log.RequestAborted(_logger, _endpoint.Key);
        }
    }

    /// <summary>
    /// The key of the rendered answer this request gets, or <see langword="null"/> when its answer is rendered for it
    /// alone: notes from the query, <c>?history</c>, one check, or the status page (which shows ages and a clock).
    /// </summary>
    private AnswerKey? CacheKey(HttpContext context, HealthRequest request, Levels levels)
    {
        if (!ReferenceEquals(request.Slots, _slots) || request.Notes is not null || request.History)
        {
            return null;
        }

        if (!request.Text && HealthJsonRequested(context) is { } identity)
        {
            return new(AnswerCache.HealthJsonKey(levels.Shown, levels.RevealsIdentity), AnswerFormat.HealthJson, identity);
        }

        if (request.Text)
        {
            return new(request.Verbose ? AnswerCache.VerboseTextKey(levels.Shown) : AnswerCache.TextKey, AnswerFormat.Text, null);
        }

        return _engine.Options.StatusPage.Enabled && PrefersHtml(context.Request)
            ? null
            : new(AnswerCache.JsonKey(levels.Shown), AnswerFormat.Json, null);
    }

    /// <summary>
    /// Answers with the bytes rendered for <paramref name="key"/> while nothing they were rendered from has changed;
    /// otherwise evaluates, renders and keeps the answer. A hit walks no check: its cost is the same with 200 checks as
    /// with one.
    /// </summary>
    private Task AnswerFromCacheAsync(HttpContext context, AnswerKey key, Levels levels, HealthRequest request)
    {
        var start = _engine.TimeProvider.GetTimestamp();
        if (_answers.TryGet(key.Index, start) is { } cached)
        {
            cached.Hits?.Add();
            return WriteAnswerAsync(context, key, cached, _engine.TimeProvider.GetElapsedTime(start));
        }

        return RenderAnswerAsync(context, key, levels, request);
    }

    /// <summary>
    /// Evaluates, renders and keeps the answer for <paramref name="key"/>, then writes it. Kept apart from the hit path so
    /// that a hit allocates nothing (an async method's state lives on the heap only once it awaits).
    /// </summary>
    private async Task RenderAnswerAsync(HttpContext context, AnswerKey key, Levels levels, HealthRequest request)
    {
        var stamp = _answers.Begin();
        var evaluation = await _engine.EvaluateAsync(_slots, _endpoint.Deadline, context.RequestAborted).ConfigureAwait(false);
        var expiresAt = _answers.ExpiresAt(evaluation, stamp);
        if (expiresAt == long.MinValue)
        {
            // An answer that cannot be kept (a result in it is never reused, or is already not its check's latest) is
            // written as it is rendered, as every answer is that is not kept, with no copy in between.
            await WriteAsync(context, _endpoint.Key, evaluation, levels, request).ConfigureAwait(false);
            return;
        }

        var answer = _answers.Store(key.Index, stamp, expiresAt, evaluation, RenderBody(key, evaluation, levels, request), key.Format == AnswerFormat.Json);
        await WriteAnswerAsync(context, key, answer, evaluation.TotalDuration).ConfigureAwait(false);
    }

    private byte[] RenderBody(AnswerKey key, Evaluation evaluation, Levels levels, HealthRequest request)
    {
        switch (key.Format)
        {
            case AnswerFormat.Text:
                return Encoding.UTF8.GetBytes(TextReportWriter.Render(_endpoint.Key, evaluation, levels.Shown, request.Verbose, notes: null));
            case AnswerFormat.HealthJson:
                var buffer = new ArrayBufferWriter<byte>(512);
                HealthJsonWriter.Write(buffer, HealthJsonWriter.MapStatus(evaluation.Status, _endpoint).Status, evaluation, levels.Shown, levels.IdentityShown(key.Identity!), notes: null);
                return buffer.WrittenSpan.ToArray();
            default:
                var json = new ArrayBufferWriter<byte>(512);
                JsonReportWriter.Write(json, evaluation, levels.Shown, _names);
                return json.WrittenSpan.ToArray();
        }
    }

    private Task WriteAnswerAsync(HttpContext context, AnswerKey key, AnswerCache.Answer answer, TimeSpan totalDuration)
    {
        var response = context.Response;
        switch (key.Format)
        {
            case AnswerFormat.HealthJson:
                response.StatusCode = HealthJsonWriter.MapStatus(answer.Status, _endpoint).StatusCode;
                response.ContentType = HealthJsonWriter.ContentType;
                break;
            default:
                response.StatusCode = StatusCodeFor(answer.Status);
                response.ContentType = key.Format == AnswerFormat.Text ? TextReportWriter.ContentType : JsonReportWriter.ContentType;
                break;
        }

        SetNoCacheHeaders(response);
        var head = HttpMethods.IsHead(context.Request.Method);
        AnswerCache.Write(response, answer, totalDuration, head);
        if (head)
        {
            return Task.CompletedTask;
        }

        // With the length known, this one flush sends headers and body together, and nothing is left to send at the end.
        var flush = response.BodyWriter.FlushAsync(context.RequestAborted);
        // Stryker disable once Conditional : a shortcut only; a flush still pending is completed by the server before it ends the response, so the client gets the same bytes
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private int StatusCodeFor(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => _endpoint.HealthyStatusCode,
        HealthStatus.Degraded => _endpoint.DegradedStatusCode,
        _ => _endpoint.UnhealthyStatusCode,
    };

    private ValueTask<HealthDetailLevel> GetDetailLevelAsync(HttpContext context)
    {
        if (_detailsPolicy is null || _detailLevel >= _authorizedDetailLevel)
        {
            return new(_detailLevel);
        }

        return ElevateAsync(context);

        async ValueTask<HealthDetailLevel> ElevateAsync(HttpContext context) =>
            await _detailsPolicy.IsSatisfiedAsync(context).ConfigureAwait(false) ? _authorizedDetailLevel : _detailLevel;
    }

    private Task WriteAsync(HttpContext context, string name, Evaluation evaluation, Levels levels, HealthRequest request)
    {
        var level = levels.Shown;
        if (!request.Text && HealthJsonRequested(context) is { } identity)
        {
            return WriteHealthJsonAsync(context, evaluation, levels, request.Notes, identity);
        }

        var response = context.Response;
        response.StatusCode = StatusCodeFor(evaluation.Status);
        SetNoCacheHeaders(response);
        if (!request.Text && _engine.Options.StatusPage.Enabled && PrefersHtml(context.Request))
        {
            return WriteStatusPageAsync(context, name, evaluation, level, request);
        }

        response.ContentType = request.Text ? TextReportWriter.ContentType : JsonReportWriter.ContentType;

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        if (request.Text)
        {
            return response.WriteAsync(TextReportWriter.Render(name, evaluation, level, request.Verbose, request.Notes), Encoding.UTF8, context.RequestAborted);
        }

        JsonReportWriter.Write(response.BodyWriter, evaluation, level, _names, request.Notes, request.History);
        var flush = response.BodyWriter.FlushAsync(context.RequestAborted);
        // Stryker disable once Conditional : a shortcut only; a flush still pending is completed by the server before it ends the response, so the client gets the same bytes
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private static HealthJsonIdentity? HealthJsonRequested(HttpContext context) =>
        HealthJsonWriter.IsRequested(context.Request)
        && context.RequestServices.GetService<HealthJsonIdentity>() is { Enabled: true } identity ? identity : null;

    private Task WriteHealthJsonAsync(HttpContext context, Evaluation evaluation, Levels levels, ReportNotes? notes, HealthJsonIdentity identity)
    {
        var response = context.Response;
        var (status, statusCode) = HealthJsonWriter.MapStatus(evaluation.Status, _endpoint);
        response.StatusCode = statusCode;
        SetNoCacheHeaders(response);
        response.ContentType = HealthJsonWriter.ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        HealthJsonWriter.Write(response.BodyWriter, status, evaluation, levels.Shown, levels.IdentityShown(identity), notes);
        var flush = response.BodyWriter.FlushAsync(context.RequestAborted);
        // Stryker disable once Conditional : a shortcut only; a flush still pending is completed by the server before it ends the response, so the client gets the same bytes
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    /// <summary>
    /// Whether the request is a browser's: <c>text/html</c> named explicitly with a quality above zero and above any it
    /// gives <c>application/json</c>, and no <c>format</c> in the query. The kubelet's and curl's <c>*/*</c> get JSON.
    /// </summary>
    internal static bool PrefersHtml(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        // Stryker disable once Boolean : named only spares the parse; the parse finds text/html only in a value that contains it
        var named = false;
        foreach (var value in accept)
        {
            // Stryker disable once Logical,String : named only spares the parse (see above), and a request's header values are never null
            named |= value is not null && value.Contains("text/html", StringComparison.OrdinalIgnoreCase);
        }

        // Decided without parsing for every client that does not name HTML, which is every probe.
        if (!named || request.Query.ContainsKey("format") || !MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return false;
        }

        double html = 0, json = 0;
        foreach (var type in types)
        {
            var quality = type.Quality ?? 1;
            if (type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                html = Math.Max(html, quality);
            }
            else if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            {
                json = Math.Max(json, quality);
            }
        }

        // json is never below zero, so an html quality above it is above zero too.
        return html > json;
    }

    private Task WriteStatusPageAsync(HttpContext context, string name, Evaluation evaluation, HealthDetailLevel level, HealthRequest request)
    {
        var paused = context.Request.Query.TryGetValue(HtmlReportWriter.RefreshParameter, out var refreshValue)
            && string.Equals(refreshValue.ToString(), "off", StringComparison.OrdinalIgnoreCase);
        var refresh = paused ? TimeSpan.Zero : _engine.Options.StatusPage.RefreshInterval;
        HtmlReportWriter.SetHeaders(context.Response, refresh);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        var links = HtmlReportWriter.PageLinks.For(context.Request, paused && _engine.Options.StatusPage.RefreshInterval > TimeSpan.Zero);
        var html = HtmlReportWriter.Render(name, evaluation, level, request.Notes, _engine.TimeProvider.GetUtcNow(), refresh, links);
        return context.Response.WriteAsync(html, Encoding.UTF8, context.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpContext context, int statusCode, string error, bool text = false)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        SetNoCacheHeaders(response);
        response.ContentType = text ? TextReportWriter.ContentType : JsonReportWriter.ContentType;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        if (text)
        {
            return response.WriteAsync("error: " + error + "\n", Encoding.UTF8, context.RequestAborted);
        }

        using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("error", error);
            writer.WriteEndObject();
        }

        var flush = response.BodyWriter.FlushAsync(context.RequestAborted);
        // Stryker disable once Conditional : a shortcut only; a flush still pending is completed by the server before it ends the response, so the client gets the same bytes
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private static void SetNoCacheHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.CacheControl = NoCache;
        headers.Pragma = PragmaNoCache;
        headers.Expires = ExpiresInThePast;
    }

    /// <summary>
    /// The level a response shows, and the level the caller was granted by configuration or by the details policy
    /// (what <c>?verbose</c> may have raised).
    /// </summary>
    private readonly record struct Levels(HealthDetailLevel Shown, HealthDetailLevel Granted)
    {
        /// <summary>
        /// Whether the service's version and release may be shown: they are the endpoint's or the policy's to reveal,
        /// never <c>?verbose</c>'s.
        /// </summary>
        public bool RevealsIdentity => Granted >= HealthDetailLevel.Components;

        /// <summary>The identity a health+json answer at these levels carries.</summary>
        public HealthJsonIdentity IdentityShown(HealthJsonIdentity identity) => RevealsIdentity ? identity : identity.Anonymous;
    }

    /// <summary>A format whose answers are rendered once per change.</summary>
    private enum AnswerFormat
    {
        Json,
        Text,
        HealthJson,
    }

    /// <summary>Which rendered answer a request gets, in which format, and the service's identity for health+json.</summary>
    private readonly record struct AnswerKey(int Index, AnswerFormat Format, HealthJsonIdentity? Identity);
}
