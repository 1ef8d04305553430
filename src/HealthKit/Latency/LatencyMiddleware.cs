using HealthKit.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace HealthKit.Latency;

/// <summary>
/// Records the duration and outcome of every request into every window of the latency and error-rate checks, except
/// requests that are meant to last (see <see cref="IsExcluded"/>) and HealthKit's own endpoints.
/// </summary>
internal sealed class LatencyMiddleware(RequestDelegate next, LatencyRecorderRegistry registry, TimeProvider timeProvider)
{
    public Task InvokeAsync(HttpContext context)
    {
        var started = timeProvider.GetTimestamp();
        Task pending;
        try
        {
            pending = next(context);
        }
        catch (Exception ex)
        {
            Record(context, started, Failed(context, ex));
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            Record(context, started, Answered(context));
            return pending;
        }

        return AwaitAndRecord(pending, context, started);
    }

    private async Task AwaitAndRecord(Task pending, HttpContext context, long started)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Record(context, started, Failed(context, ex));
            throw;
        }

        Record(context, started, Answered(context));
    }

    private static RequestOutcome Answered(HttpContext context) =>
        context.Response.StatusCode is >= 500 and <= 599 ? RequestOutcome.ServerError : RequestOutcome.Answered;

    /// <summary>A request that threw is a failure of the application, unless the client went away and cancelled it.</summary>
    private static RequestOutcome Failed(HttpContext context, Exception exception) =>
        exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested
            ? Answered(context)
            : RequestOutcome.Threw;

    /// <summary>
    /// Whether a finished request stays out of the window: its duration is the length of a conversation the client
    /// chose to keep open, so it says nothing about how fast the application answers.
    /// </summary>
    internal static bool IsExcluded(HttpContext context)
    {
        var response = context.Response;

        // Every request runs these checks, so the cheapest come first and none allocates. A connection taken over
        // through IHttpUpgradeFeature (WebSockets over HTTP/1.1) has answered 101; WebSockets over HTTP/2 and HTTP/3
        // arrive as extended CONNECT (IHttpExtendedConnectFeature), and a plain CONNECT is a tunnel, so the method
        // alone decides without a feature lookup.
        if (response.StatusCode == StatusCodes.Status101SwitchingProtocols
            || HttpMethods.IsConnect(context.Request.Method)
            || IsEventStream(response.ContentType))
        {
            return true;
        }

        var metadata = context.GetEndpoint()?.Metadata;
        return metadata is not null
            && (metadata.GetMetadata<ExcludeFromLatencyAttribute>() is not null
                || metadata.GetMetadata<HealthKitEndpointMetadata>() is not null);
    }

    private static bool IsEventStream(string? contentType)
    {
        const string EventStream = "text/event-stream";

        // Parameters such as "; charset=utf-8" may follow; "text/event-streamer" is some other type.
        return contentType is not null
            && contentType.StartsWith(EventStream, StringComparison.OrdinalIgnoreCase)
            && (contentType.Length == EventStream.Length || contentType[EventStream.Length] is ';' or ' ' or '\t');
    }

    private void Record(HttpContext context, long started, RequestOutcome outcome)
    {
        if (IsExcluded(context))
        {
            return;
        }

        var now = timeProvider.GetTimestamp();
        var elapsed = now - started;
        foreach (var recorder in registry.Recorders)
        {
            recorder.Record(elapsed, now, outcome);
        }
    }
}

/// <summary>Puts <see cref="LatencyMiddleware"/> first in the pipeline, so it sees the whole request.</summary>
internal sealed class LatencyStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<LatencyMiddleware>();
        next(app);
    };
}
