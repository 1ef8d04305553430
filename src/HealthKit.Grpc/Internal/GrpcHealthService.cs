using Grpc.Core;
using Grpc.Health.V1;
using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HealthKit.Grpc.Internal;

/// <summary>
/// <c>grpc.health.v1.Health</c> answered by HealthKit's engine. A Check evaluates like the HTTP endpoint it mirrors
/// (shared runs, cache, damping, deadline); a Watch follows the status the engine keeps current, woken by its change
/// signal. Answers carry only a status: no description, exception text or trailer with detail reaches a client.
/// </summary>
internal sealed class GrpcHealthService : Health.HealthBase
{
    private const int MaxShownName = 100;

    private static readonly HealthCheckResponse Serving = new() { Status = ServingStatus.Serving };
    private static readonly HealthCheckResponse NotServing = new() { Status = ServingStatus.NotServing };
    private static readonly HealthCheckResponse Unknown = new() { Status = ServingStatus.Unknown };
    private static readonly HealthCheckResponse ServiceUnknown = new() { Status = ServingStatus.ServiceUnknown };

    private readonly HealthEngine _engine;
    private readonly GrpcHealthMap _map;
    private readonly GrpcWatchLifetime _lifetime;
    private readonly ILogger _logger;
    private readonly HealthCheckResponse _degraded;

    public GrpcHealthService(HealthEngine engine, GrpcHealthMap map, GrpcWatchLifetime lifetime, ILogger<GrpcHealthService> logger)
    {
        _engine = engine;
        _map = map;
        _lifetime = lifetime;
        _logger = logger;
        _degraded = map.DegradedStatus == ServingStatus.NotServing ? NotServing : Serving;
    }

    public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (_map.Find(request.Service) is not { } target)
        {
            LogUnknown(nameof(Check), request.Service);
            throw new RpcException(new Status(StatusCode.NotFound, "unknown service"));
        }

        var aborted = context.CancellationToken;
        try
        {
            var evaluation = await _engine.EvaluateAsync(target.Slots, target.Deadline, aborted).ConfigureAwait(false);
            return Response(evaluation.Status);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away or its deadline passed; nothing shared was cancelled.
            throw new RpcException(new Status(StatusCode.Cancelled, "cancelled"));
        }
    }

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);

        var aborted = context.CancellationToken;
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(aborted, _lifetime.Completing);
        var token = ending.Token;
        var service = Shown(request.Service);
        var target = _map.Find(request.Service);
        if (target is null)
        {
            LogUnknown(nameof(Watch), request.Service);
        }

        var watches = _lifetime.WatchOpened();
        Log.WatchStarted(_logger, service, target?.Name ?? "unknown", watches);
        var messages = 0;
        HealthCheckResponse? sent = null;
        try
        {
            if (target is null)
            {
                // The protocol's answer: SERVICE_UNKNOWN, with the stream kept open as for any other service.
                await responseStream.WriteAsync(ServiceUnknown, aborted).ConfigureAwait(false);
                messages++;
                await Task.Delay(Timeout.InfiniteTimeSpan, _engine.TimeProvider, token).ConfigureAwait(false);
                return;
            }

            var tracker = _engine.Endpoints;

            // Nothing known yet (no check of the service has run): evaluate once, within the deadline, so the first
            // message is a status rather than UNKNOWN. Runs and the cache are shared with every probe.
            HealthStatus? evaluated = null;
            if (target.Current(tracker) is null && !_lifetime.IsDraining)
            {
                evaluated = (await _engine.EvaluateAsync(target.Slots, target.Deadline, token).ConfigureAwait(false)).Status;
            }

            while (!token.IsCancellationRequested)
            {
                // The version is read before the status, so a change between the two wakes the wait below at once.
                var version = target.Version(tracker);
                var draining = _lifetime.IsDraining;
                var response = draining ? NotServing : Response(target.Current(tracker) ?? evaluated);
                if (response != sent)
                {
                    await responseStream.WriteAsync(response, aborted).ConfigureAwait(false);
                    sent = response;
                    messages++;
                }

                if (draining)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, _engine.TimeProvider, token).ConfigureAwait(false);
                }
                else
                {
                    await Task.WhenAny(target.WaitForChangeAsync(tracker, version, token), _lifetime.Draining).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away, or the shutdown ends the stream: neither is an error.
        }
        finally
        {
            watches = _lifetime.WatchClosed();
            Log.WatchEnded(_logger, service, aborted.IsCancellationRequested ? "the client left" : "shutdown", messages, watches);
        }

        // At shutdown the last message is NOT_SERVING, even for a stream that had not yet been told of the drain.
        if (!aborted.IsCancellationRequested && target is not null && sent != NotServing)
        {
            try
            {
                await responseStream.WriteAsync(NotServing, aborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client left as the stream ended; there is no one to tell.
            }
        }
    }

    private HealthCheckResponse Response(HealthStatus? status) => status switch
    {
        HealthStatus.Healthy => Serving,
        HealthStatus.Degraded => _degraded,
        HealthStatus.Unhealthy => NotServing,
        _ => Unknown,
    };

    private void LogUnknown(string method, string service)
    {
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            var shown = Shown(service);
            Log.UnknownService(_logger, method, shown);
        }
    }

    /// <summary>A client's service name as logs show it: bounded, with control characters replaced.</summary>
    private static string Shown(string service) => Redaction.TextBounds.Clean(service, MaxShownName);
}
