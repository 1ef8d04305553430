using HealthKit.Engine;
using HealthKit.Internal;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Endpoints;

/// <summary>Answers one HealthKit endpoint.</summary>
internal sealed class HealthEndpointHandler
{
    private const string NoCache = "no-store, no-cache";
    private const string PragmaNoCache = "no-cache";
    private const string ExpiresInThePast = "Thu, 01 Jan 1970 00:00:00 GMT";

    private readonly HealthEngine _engine;
    private readonly HealthEndpointOptions _endpoint;
    private readonly CheckSlot[] _slots;
    private readonly HealthDetailLevel _detailLevel;
    private readonly string? _detailsPolicy;
    private readonly HealthDetailLevel _authorizedDetailLevel;
    private readonly IAuthorizationService? _authorization;
    private readonly ILogger _logger;
    private int _lastStatus = -1;

    public HealthEndpointHandler(
        HealthEngine engine,
        HealthEndpointOptions endpoint,
        bool fullDetails,
        IAuthorizationService? authorization,
        ILogger logger)
    {
        _engine = engine;
        _endpoint = endpoint;
        _slots = [.. engine.Slots.Where(slot => string.IsNullOrEmpty(endpoint.Tag) || slot.Registration.Tags.Contains(endpoint.Tag))];
        _detailLevel = fullDetails ? HealthDetailLevel.Full : endpoint.DetailLevel;
        _detailsPolicy = engine.Options.DetailsPolicy;
        _authorizedDetailLevel = engine.Options.AuthorizedDetailLevel;
        _authorization = authorization;
        _logger = logger;
    }

    public string Name => _endpoint.Key;

    internal CheckSlot[] Slots => _slots;

    public async Task InvokeAsync(HttpContext context)
    {
        var aborted = context.RequestAborted;
        try
        {
            var level = await GetDetailLevelAsync(context).ConfigureAwait(false);
            var evaluation = await _engine.EvaluateAsync(_slots, _endpoint.Deadline, aborted).ConfigureAwait(false);
            TrackStatus(evaluation.Status);
            await WriteAsync(context, evaluation, level, notes: null).ConfigureAwait(false);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away. Nothing shared was cancelled, and this is not an error.
            Log.RequestAborted(_logger, _endpoint.Key);
        }
    }

    private ValueTask<HealthDetailLevel> GetDetailLevelAsync(HttpContext context)
    {
        if (_detailsPolicy is null || _authorization is null || _detailLevel >= _authorizedDetailLevel)
        {
            return new(_detailLevel);
        }

        return ElevateAsync(context);

        async ValueTask<HealthDetailLevel> ElevateAsync(HttpContext context)
        {
            var result = await _authorization.AuthorizeAsync(context.User, _detailsPolicy).ConfigureAwait(false);
            return result.Succeeded ? _authorizedDetailLevel : _detailLevel;
        }
    }

    private Task WriteAsync(HttpContext context, Evaluation evaluation, HealthDetailLevel level, ReportNotes? notes)
    {
        var response = context.Response;
        response.StatusCode = evaluation.Status switch
        {
            HealthStatus.Healthy => _endpoint.HealthyStatusCode,
            HealthStatus.Degraded => _endpoint.DegradedStatusCode,
            _ => _endpoint.UnhealthyStatusCode,
        };
        var headers = response.Headers;
        headers.CacheControl = NoCache;
        headers.Pragma = PragmaNoCache;
        headers.Expires = ExpiresInThePast;
        response.ContentType = JsonReportWriter.ContentType;

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        JsonReportWriter.Write(response.BodyWriter, evaluation, level, notes);
        var flush = response.BodyWriter.FlushAsync(context.RequestAborted);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    private void TrackStatus(HealthStatus status)
    {
        var previous = Interlocked.Exchange(ref _lastStatus, (int)status);
        var level = Log.LevelFor(status);
        if (previous != (int)status && (previous >= 0 || status != HealthStatus.Healthy) && _logger.IsEnabled(level))
        {
            Log.EndpointStatusChanged(
                _logger,
                level,
                _endpoint.Key,
                previous < 0 ? Log.Unknown : Log.StatusNames[previous],
                status);
        }
    }
}
