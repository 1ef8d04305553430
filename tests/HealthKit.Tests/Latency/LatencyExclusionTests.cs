using System.Net;
using System.Net.WebSockets;
using HealthKit.Endpoints;
using HealthKit.Latency;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Tests.Latency;

/// <summary>
/// Requests that are meant to last stay out of the latency window; ordinary requests, slow ones included, stay in.
/// Each long-lived request is held open for ten minutes on the fake clock, on a real Kestrel server.
/// </summary>
public sealed class LatencyExclusionTests
{
    // 25 ordinary requests of 40 ms and one of 3 s: p99 is the slow one, below the 5 s Unhealthy limit.
    private const int OrdinaryRequestCount = 26;

    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Middleware_WebSocketHeldOpen_LeavesWindowUnchanged(string httpVersion)
    {
        await using var server = await LatencyServer.StartAsync(app => app.Map("/ws", async (HttpContext context) =>
        {
            var held = context.RequestServices.GetRequiredService<HeldRequest>();
            held.Track(context);
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await held.HoldAsync();
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }), httpVersion: Version.Parse(httpVersion));

        using var client = new ClientWebSocket();
        client.Options.HttpVersion = Version.Parse(httpVersion);
        client.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        client.Options.CollectHttpResponseDetails = true;
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        var uri = new UriBuilder(server.Address) { Scheme = "ws", Path = "/ws" }.Uri;
        await server.HoldOpenAsync(
            open: () => client.ConnectAsync(uri, invoker, TestContext.Current.CancellationToken),
            finish: async () =>
            {
                var received = await client.ReceiveAsync(new byte[64], TestContext.Current.CancellationToken);
                Assert.Equal(WebSocketMessageType.Close, received.MessageType);
                await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", TestContext.Current.CancellationToken);
            });
        Assert.Equal(httpVersion == "1.1" ? HttpStatusCode.SwitchingProtocols : HttpStatusCode.OK, client.HttpStatusCode);

        await server.SendOrdinaryRequestsAsync();

        await AssertWindowHoldsOrdinaryRequestsOnlyAsync(server);
    }

    [Fact]
    public async Task Middleware_ServerSentEventsHeldOpen_LeavesWindowUnchanged()
    {
        await using var server = await LatencyServer.StartAsync(app => app.MapGet("/events", (HttpContext context, HeldRequest held) =>
        {
            held.Track(context);
            return TypedResults.ServerSentEvents(Events(held));
        }));

        HttpResponseMessage? response = null;
        try
        {
            await server.HoldOpenAsync(
                open: async () => response = await server.Client.GetAsync(new Uri("/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken),
                finish: async () =>
                {
                    Assert.Equal("text/event-stream", response!.Content.Headers.ContentType?.MediaType);
                    var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                    Assert.Contains("data: first", body, StringComparison.Ordinal);
                    Assert.Contains("data: last", body, StringComparison.Ordinal);
                });
        }
        finally
        {
            response?.Dispose();
        }

        await server.SendOrdinaryRequestsAsync();

        await AssertWindowHoldsOrdinaryRequestsOnlyAsync(server);

        static async IAsyncEnumerable<string> Events(HeldRequest held)
        {
            yield return "first";
            await held.HoldAsync();
            yield return "last";
        }
    }

    [Theory]
    [InlineData("/export")]
    [InlineData("/exports/all")]
    [InlineData("/export-attribute")]
    public async Task Middleware_ExcludedEndpointHeldOpen_LeavesWindowUnchanged(string path)
    {
        await using var server = await LatencyServer.StartAsync(app =>
        {
            app.MapGet("/export", StreamTextAsync).ExcludeFromLatency();
            app.MapGroup("/exports").ExcludeFromLatency().MapGet("/all", StreamTextAsync);
            app.MapGet("/export-attribute", [ExcludeFromLatency] (HttpContext context, HeldRequest held) => StreamTextAsync(context));
        });

        await HoldTextDownloadOpenAsync(server, path);
        await server.SendOrdinaryRequestsAsync();

        await AssertWindowHoldsOrdinaryRequestsOnlyAsync(server);
    }

    [Fact]
    public async Task Middleware_ExcludedControllerHeldOpen_LeavesWindowUnchanged()
    {
        await using var server = await LatencyServer.StartAsync(
            app => app.MapControllers(),
            services => services.AddControllers());

        await HoldTextDownloadOpenAsync(server, "/controller-export");
        await server.SendOrdinaryRequestsAsync();

        await AssertWindowHoldsOrdinaryRequestsOnlyAsync(server);
    }

    [Fact]
    public async Task Middleware_OrdinaryDownloadHeldOpen_IsRecordedAndJudged()
    {
        await using var server = await LatencyServer.StartAsync(app => app.MapGet("/download", StreamTextAsync));

        await HoldTextDownloadOpenAsync(server, "/download");
        await server.SendOrdinaryRequestsAsync();

        // Only requests that are meant to last are left out: a slow download is a slow answer, and it is judged.
        var (statusCode, latency) = await server.GetHealthAsync();
        var data = latency.GetProperty("data");
        Assert.Equal(OrdinaryRequestCount + 1, data.GetProperty("requestCount").GetInt64());
        Assert.True(data.GetProperty("p99Ms").GetDouble() > 100_000, $"p99 was {data.GetProperty("p99Ms")} ms");
        Assert.InRange(data.GetProperty("p95Ms").GetDouble(), LatencyServer.Slow.TotalMilliseconds * 0.93, LatencyServer.Slow.TotalMilliseconds * 1.07);
        Assert.Equal("Unhealthy", latency.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, statusCode);
    }

    [Fact]
    public async Task Middleware_HealthKitEndpoints_NotRecorded()
    {
        await using var server = await LatencyServer.StartAsync(_ => { });

        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup", "/health/checks/latency", "/health/checks/unknown" })
        {
            using var get = await server.Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.NotEqual(HttpStatusCode.InternalServerError, get.StatusCode);
            using var head = await server.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path), TestContext.Current.CancellationToken);
            Assert.NotEqual(HttpStatusCode.InternalServerError, head.StatusCode);
        }

        Assert.Equal(0, server.Recorder.Snapshot().Count);

        using var orders = await server.Client.GetAsync(new Uri("/orders", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(1, server.Recorder.Snapshot().Count);
    }

    [Theory]
    [InlineData("GET", 200, null, false)]
    [InlineData("GET", 200, "application/json; charset=utf-8", false)]
    [InlineData("POST", 500, "text/plain", false)]
    [InlineData("GET", 200, "text/event-streamer", false)]
    [InlineData("GET", 200, "text/event", false)]
    [InlineData("GET", 101, null, true)]
    [InlineData("CONNECT", 200, null, true)]
    [InlineData("GET", 200, "text/event-stream", true)]
    [InlineData("GET", 200, "Text/Event-Stream; charset=utf-8", true)]
    [InlineData("GET", 200, "text/event-stream ;charset=utf-8", true)]
    public void IsExcluded_MethodStatusAndContentType_MatchOnlyLongLivedRequests(string method, int statusCode, string? contentType, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType;
        context.SetEndpoint(Endpoint());

        Assert.Equal(expected, LatencyMiddleware.IsExcluded(context));
    }

    [Fact]
    public void IsExcluded_EndpointMetadata_ExcludesMarkedEndpointsOnly()
    {
        var context = new DefaultHttpContext();
        Assert.False(LatencyMiddleware.IsExcluded(context));

        context.SetEndpoint(Endpoint());
        Assert.False(LatencyMiddleware.IsExcluded(context));

        context.SetEndpoint(Endpoint(new ExcludeFromLatencyAttribute()));
        Assert.True(LatencyMiddleware.IsExcluded(context));

        context.SetEndpoint(Endpoint(HealthKitEndpointMetadata.Instance));
        Assert.True(LatencyMiddleware.IsExcluded(context));
    }

    internal static async Task StreamTextAsync(HttpContext context)
    {
        var held = context.RequestServices.GetRequiredService<HeldRequest>();
        held.Track(context);
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync("first\n");
        await context.Response.Body.FlushAsync();
        await held.HoldAsync();
        await context.Response.WriteAsync("last\n");
    }

    private static async Task HoldTextDownloadOpenAsync(LatencyServer server, string path)
    {
        HttpResponseMessage? response = null;
        try
        {
            await server.HoldOpenAsync(
                open: async () => response = await server.Client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken),
                finish: async () =>
                {
                    Assert.Equal(HttpStatusCode.OK, response!.StatusCode);
                    Assert.Equal("first\nlast\n", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
                });
        }
        finally
        {
            response?.Dispose();
        }
    }

    private static async Task AssertWindowHoldsOrdinaryRequestsOnlyAsync(LatencyServer server)
    {
        var (statusCode, latency) = await server.GetHealthAsync();
        Assert.Equal("Healthy", latency.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, statusCode);

        var data = latency.GetProperty("data");
        Assert.Equal(OrdinaryRequestCount, data.GetProperty("requestCount").GetInt64());

        // The slow ordinary request is still counted: it is the p99, within the histogram's 6.25% resolution.
        Assert.InRange(data.GetProperty("p99Ms").GetDouble(), LatencyServer.Slow.TotalMilliseconds * 0.93, LatencyServer.Slow.TotalMilliseconds * 1.07);
        Assert.InRange(data.GetProperty("p50Ms").GetDouble(), LatencyServer.Ordinary.TotalMilliseconds * 0.93, LatencyServer.Ordinary.TotalMilliseconds * 1.07);
    }

    private static Endpoint Endpoint(params object[] metadata) =>
        new(static _ => Task.CompletedTask, new EndpointMetadataCollection(metadata), "test");
}
