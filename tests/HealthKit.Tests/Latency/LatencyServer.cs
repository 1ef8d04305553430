using System.Net;
using System.Text.Json;
using HealthKit.Latency;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Latency;

/// <summary>
/// An application with the latency check on a real Kestrel server on a loopback port, its clock a
/// <see cref="FakeTimeProvider"/>, so a request can be held open for minutes without waiting for them.
/// </summary>
internal sealed class LatencyServer : IAsyncDisposable
{
    /// <summary>How long a long-lived request is held open: far beyond every latency limit and bucket.</summary>
    public static readonly TimeSpan HeldOpen = TimeSpan.FromMinutes(10);

    /// <summary>How long an ordinary request takes.</summary>
    public static readonly TimeSpan Ordinary = TimeSpan.FromMilliseconds(40);

    /// <summary>How long the ordinary slow request takes: above the Degraded p95 limit, below the Unhealthy p99 one.</summary>
    public static readonly TimeSpan Slow = TimeSpan.FromSeconds(3);

    private LatencyServer(WebApplication app, FakeTimeProvider time, HeldRequest held, Uri address, Version httpVersion)
    {
        App = app;
        Time = time;
        Held = held;
        Address = address;
        Client = new HttpClient
        {
            BaseAddress = address,
            DefaultRequestVersion = httpVersion,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public WebApplication App { get; }

    public FakeTimeProvider Time { get; }

    public HeldRequest Held { get; }

    public Uri Address { get; }

    public HttpClient Client { get; }

    public LatencyRecorder Recorder => App.Services.GetRequiredService<LatencyRecorderRegistry>().Get(ResponseLatencyHealthChecksBuilderExtensions.DefaultName);

    /// <summary>
    /// Starts the application with <c>/orders</c> (an ordinary request), <c>/slow</c> (an ordinary slow request) and
    /// HealthKit's endpoints mapped, plus whatever <paramref name="map"/> adds. It serves HTTP/1.1, or cleartext HTTP/2
    /// (with prior knowledge) when <paramref name="httpVersion"/> is 2.0; its <see cref="Client"/> speaks the same.
    /// </summary>
    public static async Task<LatencyServer> StartAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null, Version? httpVersion = null)
    {
        httpVersion ??= HttpVersion.Version11;
        var protocols = httpVersion == HttpVersion.Version20 ? HttpProtocols.Http2 : HttpProtocols.Http1;
        var time = new FakeTimeProvider();
        var held = new HeldRequest();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = protocols));
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton(held);
        builder.Services.AddHealthKit().AddResponseLatency();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        try
        {
            app.UseWebSockets();
            app.MapGet("/orders", () =>
            {
                time.Advance(Ordinary);
                return "done";
            });
            app.MapGet("/slow", () =>
            {
                time.Advance(Slow);
                return "done";
            });
            map(app);
            app.MapHealthKit();
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LatencyServer(app, time, held, new Uri(address), httpVersion);
    }

    /// <summary>Holds the request that <paramref name="open"/> starts for <see cref="HeldOpen"/>, then lets it finish.</summary>
    public async Task HoldOpenAsync(Func<Task> open, Func<Task> finish)
    {
        var opening = open();

        // The client may see the response start before the handler reaches its hold; a request the server refused
        // never reaches it, and its error says more than a timeout would.
        if (await Task.WhenAny(Held.Opened.Task, opening).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken) == opening)
        {
            await opening;
        }

        await Held.Opened.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Time.Advance(HeldOpen);
        Held.Release.TrySetResult();
        await opening.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await finish().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // The server has finished the request, and the latency middleware has seen it end, only when this fires.
        await Held.Completed.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    /// <summary>Sends 25 ordinary requests and one slow one, each answered 200.</summary>
    public async Task SendOrdinaryRequestsAsync()
    {
        for (var i = 0; i < 25; i++)
        {
            using var response = await Client.GetAsync(new Uri("/orders", UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var slow = await Client.GetAsync(new Uri("/slow", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
    }

    /// <summary>Asks <c>/health</c> and returns its status code and the latency entry.</summary>
    public async Task<(HttpStatusCode StatusCode, JsonElement Latency)> GetHealthAsync()
    {
        using var response = await Client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var latency = JsonDocument.Parse(body).RootElement.GetProperty("entries").GetProperty("latency").Clone();
        return (response.StatusCode, latency);
    }

    public async ValueTask DisposeAsync()
    {
        // A test that failed while a request was held would otherwise make the stop wait for the shutdown timeout.
        Held.Release.TrySetResult();
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}

/// <summary>The one long-lived request of a test: the server holds it at <see cref="HoldAsync"/> until released.</summary>
internal sealed class HeldRequest
{
    public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Registers for the end of the request; call it first in the handler.</summary>
    public void Track(HttpContext context) =>
        context.Response.OnCompleted(() =>
        {
            Completed.TrySetResult();
            return Task.CompletedTask;
        });

    /// <summary>Tells the test that the request is open and waits until the test has moved the clock.</summary>
    public Task HoldAsync()
    {
        Opened.TrySetResult();
        return Release.Task;
    }
}
