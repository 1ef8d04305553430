using System.Net;
using HealthKit.ProbeServer;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.ProbeServer;

public sealed class ProbeServerTests
{
    [Fact]
    public async Task AddProbeServer_GenericHost_AnswersLiveReadyStartupAndChecks()
    {
        await using var worker = await WorkerHost.StartAsync(b => b.Services.AddHealthKit()
            .AddCheck("queue", () => HealthCheckResult.Healthy("consuming"), tags: [HealthKitTags.Ready])
            .AddProbeServer());

        var live = await worker.GetJsonAsync("/health/live");
        var ready = await worker.GetJsonAsync("/health/ready");
        var startup = await worker.GetJsonAsync("/health/startup");
        var health = await worker.GetJsonAsync("/health");
        var queue = await worker.GetJsonAsync("/health/checks/queue");

        Assert.True(IPAddress.IsLoopback(IPAddress.Parse(worker.Address.Host)));
        Assert.NotEqual(0, worker.Address.Port);
        Assert.Equal(200, live.StatusCode);
        Assert.Equal("Healthy", live.Json.GetProperty("status").GetString());
        Assert.Equal(200, ready.StatusCode);
        Assert.Equal("Healthy", ready.Json.GetProperty("status").GetString());
        Assert.Equal(200, startup.StatusCode);
        Assert.Equal("Healthy", startup.Json.GetProperty("status").GetString());
        Assert.Equal(200, health.StatusCode);
        Assert.Equal(["self", "startup", "availability", "queue"], health.Json.GetProperty("entries").EnumerateObject().Select(e => e.Name));
        Assert.Equal(200, queue.StatusCode);
        Assert.Equal("Healthy", queue.Json.GetProperty("status").GetString());

        using var unknown = await worker.Client.GetAsync("/health/checks/nope", TestContext.Current.CancellationToken);
        using var elsewhere = await worker.Client.GetAsync("/", TestContext.Current.CancellationToken);
        using var post = await worker.Client.PostAsync("/health/ready", content: null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }

    [Fact]
    public async Task AddProbeServer_FailingReadyCheck_Ready503_LiveStill200()
    {
        await using var worker = await WorkerHost.StartAsync(b => b.Services.AddHealthKit()
            .AddCheck("queue", () => HealthCheckResult.Unhealthy("consumer stuck"), tags: [HealthKitTags.Ready])
            .AddProbeServer());

        var ready = await worker.GetJsonAsync("/health/ready");
        var live = await worker.GetJsonAsync("/health/live");
        var queue = await worker.GetJsonAsync("/health/checks/queue");

        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("Unhealthy", ready.Json.GetProperty("status").GetString());
        Assert.Equal(200, live.StatusCode);
        Assert.Equal(503, queue.StatusCode);
    }

    [Fact]
    public async Task AddProbeServer_StatusPage_ServedToBrowsers()
    {
        await using var worker = await WorkerHost.StartAsync(b => b.Services.AddHealthKit().AddProbeServer());

        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Accept.ParseAdd("text/html");
        using var response = await worker.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task DetailsPolicy_OnProbeServer_RaisesDetailOnlyForTheAuthenticatedOperator()
    {
        await using var worker = await WorkerHost.StartAsync(
            b =>
            {
                OpsKeyHandler.Register(b.Services);
                b.Services.AddHealthKit()
                    .AddCheck("db", () => HealthCheckResult.Unhealthy("down"), tags: [HealthKitTags.Ready])
                    .AddProbeServer();
            },
            new Dictionary<string, string?> { ["HealthKit:DetailsPolicy"] = OpsKeyHandler.Policy });

        var anonymous = await worker.GetJsonAsync("/health/ready");
        var wrongKey = await worker.GetJsonAsync("/health/ready", (OpsKeyHandler.Header, "guess"));
        var operatorCall = await worker.GetJsonAsync("/health/ready", (OpsKeyHandler.Header, OpsKeyHandler.Key));

        Assert.Equal(503, anonymous.StatusCode);
        Assert.Equal(["status", "totalDuration"], anonymous.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(503, wrongKey.StatusCode);
        Assert.False(wrongKey.Json.TryGetProperty("entries", out _));
        Assert.Equal(503, operatorCall.StatusCode);
        Assert.Equal("down", operatorCall.Json.GetProperty("entries").GetProperty("db").GetProperty("description").GetString());
    }

    [Theory]
    [InlineData("Urls", "https://127.0.0.1:0", "HealthKit:ProbeServer:Urls: 'https://127.0.0.1:0' uses https")]
    [InlineData("Urls", "http://probes.example:8081", "HealthKit:ProbeServer:Urls: 'http://probes.example:8081' names a host")]
    [InlineData("Urls", "http://127.0.0.1:8081/probes", "HealthKit:ProbeServer:Urls: 'http://127.0.0.1:8081/probes' has a path")]
    [InlineData("Urls", "http://localhost:0", "HealthKit:ProbeServer:Urls: 'http://localhost:0' asks for a free port on localhost")]
    [InlineData("Urls", "ftp://127.0.0.1:21", "HealthKit:ProbeServer:Urls: 'ftp://127.0.0.1:21'")]
    [InlineData("Urls", " ; ", "HealthKit:ProbeServer:Urls is empty")]
    [InlineData("Http2Urls", "http://127.0.0.1:notaport", "HealthKit:ProbeServer:Http2Urls: 'http://127.0.0.1:notaport' has a port that is not a number")]
    [InlineData("Urls", "127.0.0.1:8081", "HealthKit:ProbeServer:Urls: '127.0.0.1:8081' is not an address such as http://+:8081")]
    [InlineData("Url", "http://127.0.0.1:8081", "HealthKit:ProbeServer:Url")]
    public async Task AddProbeServer_BadOptions_StopStartupNamingTheKey(string key, string value, string expected)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => WorkerHost.StartAsync(
            b => b.Services.AddHealthKit().AddProbeServer(),
            new Dictionary<string, string?> { ["HealthKit:ProbeServer:" + key] = value }));

        Assert.True(ex.Message.Contains(expected, StringComparison.Ordinal), ex.Message);
    }

    [Fact]
    public async Task AddProbeServer_SamePortForHttp1AndHttp2_StopsStartupNamingBothKeys()
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => WorkerHost.StartAsync(
            b => b.Services.AddHealthKit().AddProbeServer(o => o.Http2Urls = "http://127.0.0.1:18081"),
            new Dictionary<string, string?> { ["HealthKit:ProbeServer:Urls"] = "http://127.0.0.1:18081" }));

        Assert.Contains("HealthKit:ProbeServer:Urls and HealthKit:ProbeServer:Http2Urls both use port 18081", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddProbeServer_PortTaken_StopsStartupNamingTheKey()
    {
        using var holder = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => WorkerHost.StartAsync(
            b => b.Services.AddHealthKit().AddProbeServer(),
            new Dictionary<string, string?> { ["HealthKit:ProbeServer:Urls"] = $"http://127.0.0.1:{port}" }));

        Assert.Contains($"could not listen on http://127.0.0.1:{port} (HealthKit:ProbeServer:Urls", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MapOnProbeServer_AddsEndpoints_AndHttp2UrlsServesCleartextHttp2()
    {
        await using var worker = await WorkerHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddProbeServer(o => o.Http2Urls = "http://127.0.0.1:0")
                .MapOnProbeServer(routes => routes.MapGet("/extra", () => "extra")));

        using var extra = await worker.Client.GetAsync("/extra", TestContext.Current.CancellationToken);
        Assert.Equal("extra", await extra.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.Equal(2, worker.Addresses.Count);
        using var h2c = new HttpClient
        {
            BaseAddress = worker.Addresses[1],
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var live = await h2c.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpVersion.Version20, live.Version);

        // The HTTP/1.1 port does not speak cleartext HTTP/2, which is why the HTTP/2 listener has a port of its own.
        using var http1 = await worker.Client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpVersion.Version11, http1.Version);
    }

    [Fact]
    public async Task MapOnProbeServer_WithoutAddProbeServer_StopsStartup()
    {
        var builder = WorkerHost.CreateBuilder();
        builder.Services.AddHealthKit().MapOnProbeServer(routes => routes.MapGet("/extra", () => "extra"));
        using var host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Call AddProbeServer()", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddProbeServer_WebApp_HealthKitPathsAre404OnThePublicPort_AndAnswerOnTheProbePort()
    {
        await using var app = await StartWebAppAsync(a => a.MapHealthKit());
        using var publicClient = new HttpClient { BaseAddress = PublicAddress(app) };
        using var probeClient = new HttpClient { BaseAddress = ProbeAddress(app) };

        Assert.NotEqual(publicClient.BaseAddress!.Port, probeClient.BaseAddress!.Port);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(publicClient, "/orders"));
        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup", "/health/checks/self" })
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(publicClient, path));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(probeClient, path));
        }

        // The application's endpoints stay on its own listener.
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(probeClient, "/orders"));
    }

    [Fact]
    public async Task AddProbeServer_WebApp_MapHealthKitConventionsAndPrefix_ApplyOnTheProbePort()
    {
        await using var app = await StartWebAppAsync(
            a => a.MapHealthKit("/healthz").RequireAuthorization(OpsKeyHandler.Policy),
            s => OpsKeyHandler.Register(s));
        using var publicClient = new HttpClient { BaseAddress = PublicAddress(app) };
        using var probeClient = new HttpClient { BaseAddress = ProbeAddress(app) };
        probeClient.DefaultRequestHeaders.Add(OpsKeyHandler.Header, OpsKeyHandler.Key);
        using var anonymous = new HttpClient { BaseAddress = ProbeAddress(app) };

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(probeClient, "/healthz/ready"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(anonymous, "/healthz/ready"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(probeClient, "/health/ready"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(publicClient, "/healthz/ready"));
    }

    [Fact]
    public async Task AddProbeServer_WebApp_MapHealthKitTwiceAtOnePrefix_FailsAtTheSecondCall_AsWithoutIt()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => StartWebAppAsync(a =>
        {
            a.MapHealthKit();
            a.MapHealthKit();
        }));

        Assert.Contains("HealthKit is already mapped at '/health'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddProbeServer_CalledTwice_StartsOneServer()
    {
        await using var worker = await WorkerHost.StartAsync(b => b.Services.AddHealthKit().AddProbeServer().AddProbeServer());

        Assert.Single(worker.Host.Services.GetServices<IHostedService>().OfType<ProbeServerService>());
        Assert.Equal(200, (await worker.GetJsonAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task StopAsync_ProbePortAnswersReady503DuringTheDrain_ThenStops()
    {
        var time = new FakeTimeProvider();
        var worker = await WorkerHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                b.Services.AddHealthKit().AddProbeServer();
            },
            new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:20" });
        await using (worker)
        {
            Assert.Equal(200, (await worker.GetJsonAsync("/health/ready")).StatusCode);

            var stopping = worker.Host.StopAsync(TestContext.Current.CancellationToken);

            var ready = await worker.GetJsonAsync("/health/ready");
            Assert.Equal(503, ready.StatusCode);
            Assert.Equal("Unhealthy", ready.Json.GetProperty("status").GetString());
            Assert.Equal(200, (await worker.GetJsonAsync("/health/live")).StatusCode);

            time.Advance(TimeSpan.FromSeconds(19));
            await Task.Yield();
            Assert.False(stopping.IsCompleted);
            Assert.Equal(503, (await worker.GetJsonAsync("/health/ready")).StatusCode);

            time.Advance(TimeSpan.FromSeconds(1));
            await stopping.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            // Stopped after the drain: a new connection is refused.
            using var fresh = new HttpClient { BaseAddress = worker.Address, Timeout = TimeSpan.FromSeconds(10) };
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => fresh.GetAsync("/health/live", TestContext.Current.CancellationToken));
            Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        }
    }

    private static async Task<WebApplication> StartWebAppAsync(Action<WebApplication> map, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00",
            ["HealthKit:ProbeServer:Urls"] = "http://127.0.0.1:0",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        services?.Invoke(builder.Services);
        builder.Services.AddHealthKit().AddProbeServer();
        var app = builder.Build();
        try
        {
            app.MapGet("/orders", () => "orders");
            map(app);
            await app.StartAsync(TestContext.Current.CancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static Uri PublicAddress(WebApplication app) => new(app.Urls.Single());

    private static Uri ProbeAddress(WebApplication app) => new(app.Services.GetRequiredService<ProbeServerService>().Addresses.Single());

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
        return response.StatusCode;
    }
}
