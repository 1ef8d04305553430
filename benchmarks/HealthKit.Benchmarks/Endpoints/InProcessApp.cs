using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// A real <see cref="WebApplication"/> whose request pipeline (everything the server hands a request to: the startup
/// filters' middleware, routing, the endpoint and its response writing) is invoked directly, with one reused
/// <see cref="HttpContext"/>. Kestrel, the hosting layer that creates the context, and sockets are not part of it.
/// </summary>
public sealed class InProcessApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RequestDelegate _pipeline;

    private InProcessApp(WebApplication app, RequestDelegate pipeline)
    {
        _app = app;
        _pipeline = pipeline;
    }

    public IServiceProvider Services => _app.Services;

    public static async Task<InProcessApp> StartAsync(
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map,
        IDictionary<string, string?>? configuration = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.Logging.ClearProviders();
        builder.WebHost.UseServer(new NoServer());
        var capture = new PipelineCapture();

        // Registered before anything else, so its middleware is the outermost and sees the whole pipeline.
        builder.Services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(capture));
        configure(builder);

        var app = builder.Build();
        map(app);
        await app.StartAsync().ConfigureAwait(false);
        return new InProcessApp(app, capture.Pipeline ?? throw new InvalidOperationException("The pipeline was not built."));
    }

    /// <summary>A context for <paramref name="path"/> whose response body goes to a reused stream.</summary>
    public ReusableRequest CreateRequest(string path) => new(_pipeline, path, scopes: null);

    /// <summary>
    /// The same, with <see cref="HttpContext.RequestServices"/> available as the hosting layer makes it: a DI scope
    /// created on first use and disposed after the request. Authentication needs it.
    /// </summary>
    public ReusableRequest CreateRequestWithServices(string path) => new(_pipeline, path, _app.Services.GetRequiredService<IServiceScopeFactory>());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class PipelineCapture : IStartupFilter
    {
        public RequestDelegate? Pipeline { get; private set; }

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(rest =>
            {
                Pipeline = rest;
                return rest;
            });
            next(app);
        };
    }

    /// <summary>A server that listens nowhere; the benchmarks call the pipeline themselves.</summary>
    private sealed class NoServer : IServer
    {
        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// One GET request, replayed: the context, its features, the response headers (<see cref="ServerResponseHeaders"/>,
/// which keep <c>Content-Length</c> as a number, as Kestrel does) and the response stream are created once, and each
/// <see cref="InvokeAsync"/> resets what a server resets between requests on a connection (status, response headers,
/// matched endpoint, body) without allocating.
/// </summary>
public sealed class ReusableRequest
{
    private readonly RequestDelegate _pipeline;
    private readonly DefaultHttpContext _context;
    private readonly MemoryStream _body = new(capacity: 16 * 1024);
    private readonly IServiceScopeFactory? _scopes;

    internal ReusableRequest(RequestDelegate pipeline, string path, IServiceScopeFactory? scopes)
    {
        _pipeline = pipeline;
        _scopes = scopes;
        _context = new DefaultHttpContext();
        _context.Features.Set<IHttpResponseFeature>(new HttpResponseFeature { Headers = new ServerResponseHeaders() });
        _context.Request.Method = HttpMethods.Get;
        _context.Request.Scheme = "http";
        _context.Request.Host = new HostString("localhost");
        _context.Request.Path = path;
        _context.Request.Headers.Accept = "*/*";
        _context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(_body));
    }

    public int StatusCode => _context.Response.StatusCode;

    public string Body => Encoding.UTF8.GetString(_body.GetBuffer(), 0, (int)_body.Length);

    public Task InvokeAsync()
    {
        _context.Response.StatusCode = StatusCodes.Status200OK;
        _context.Response.Headers.Clear();
        _context.SetEndpoint(null);
        _body.SetLength(0);
        return _scopes is null ? _pipeline(_context) : WithServicesAsync(_scopes);
    }

    /// <summary>Request services as hosting provides them: a scope on first use, disposed when the request ends.</summary>
    private async Task WithServicesAsync(IServiceScopeFactory scopes)
    {
        var services = new RequestServicesFeature(_context, scopes);
        _context.Features.Set<IServiceProvidersFeature>(services);
        try
        {
            await _pipeline(_context).ConfigureAwait(false);
        }
        finally
        {
            await services.DisposeAsync().ConfigureAwait(false);
        }
    }
}
