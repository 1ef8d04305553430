using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Listeners;

/// <summary>A real HTTP server (Kestrel on 127.0.0.1, port 0) that records the webhook's posts and answers as told.</summary>
internal sealed class WebhookServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Func<int, HttpContext, Task> _answer;
    private int _requests;

    private WebhookServer(WebApplication app, Func<int, HttpContext, Task> answer)
    {
        _app = app;
        _answer = answer;
    }

    public ConcurrentQueue<(string ContentType, string Body)> Received { get; } = new();

    public int Requests => Volatile.Read(ref _requests);

    public Uri Url { get; private set; } = null!;

    /// <param name="answer">Given the request's number (from 1) and its context, writes the answer.</param>
    public static async Task<WebhookServer> StartAsync(Func<int, HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new WebhookServer(app, answer);
        app.MapPost("/hooks/{token}", server.HandleAsync);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = new Uri(address + "/hooks/t0ken-in-the-path");
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _requests);
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Received.Enqueue((context.Request.ContentType ?? string.Empty, body));
        await _answer(number, context);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
