using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace HealthKit.ProbeServer;

/// <summary>
/// The probe server's request handling: a context from the application's services (so each request gets a scope of
/// the application's container), then the probe server's own pipeline.
/// </summary>
internal sealed class ProbeServerApplication(RequestDelegate pipeline, IHttpContextFactory contexts) : IHttpApplication<HttpContext>
{
    public HttpContext CreateContext(IFeatureCollection contextFeatures) => contexts.Create(contextFeatures);

    public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

    public void DisposeContext(HttpContext context, Exception? exception) => contexts.Dispose(context);
}
