using HealthKit.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace HealthKit.Latency;

/// <summary>
/// Records the duration of every request except HealthKit's own endpoints into every latency check's window.
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
        catch
        {
            Record(context, started);
            throw;
        }

        if (pending.IsCompleted)
        {
            Record(context, started);
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
        finally
        {
            Record(context, started);
        }
    }

    private void Record(HttpContext context, long started)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<HealthKitEndpointMetadata>() is not null)
        {
            return;
        }

        var now = timeProvider.GetTimestamp();
        var elapsed = now - started;
        foreach (var recorder in registry.Recorders)
        {
            recorder.Record(elapsed, now);
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
