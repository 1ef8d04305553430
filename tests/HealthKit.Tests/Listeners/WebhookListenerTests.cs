using System.Text.Json;
using HealthKit.Internal;
using HealthKit.Listeners;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Listeners;

public sealed class WebhookListenerTests
{
    private static Task<TestHost> Start(Uri url, Action<HealthKitWebhookOptions> webhook, TestLogSink? logs = null) =>
        TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("db", () => HealthCheckResult.Unhealthy("down"))
                .AddWebhookListener(o =>
                {
                    o.Url = url;
                    webhook(o);
                }),
            logs: logs);

    [Fact]
    public async Task Webhook_ServerFailsOnce_RetriesAndPostsEachChangeAsJson()
    {
        await using var server = await WebhookServer.StartAsync((number, context) =>
        {
            context.Response.StatusCode = number == 1 ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        });
        var logs = new TestLogSink();
        await using var host = await Start(server.Url, o => o.RetryDelay = TimeSpan.Zero, logs);

        Assert.Equal(503, (await host.GetAsync("/health")).StatusCode);

        await Eventually.True(() => server.Requests >= 3);
        var posts = server.Received.ToArray();
        Assert.Equal(3, posts.Length);
        Assert.All(posts, p => Assert.Equal("application/json; charset=utf-8", p.ContentType));
        Assert.Equal(posts[0].Body, posts[1].Body);
        var check = JsonDocument.Parse(posts[1].Body).RootElement;
        Assert.Equal("check", check.GetProperty("kind").GetString());
        Assert.Equal("db", check.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("previousStatus").ValueKind);
        Assert.Equal("Unhealthy", check.GetProperty("status").GetString());
        Assert.Equal("down", check.GetProperty("description").GetString());
        Assert.True(check.GetProperty("changedAt").TryGetDateTimeOffset(out _));
        var endpoint = JsonDocument.Parse(posts[2].Body).RootElement;
        Assert.Equal(("endpoint", "Health", "Unhealthy"), (endpoint.GetProperty("kind").GetString(), endpoint.GetProperty("name").GetString(), endpoint.GetProperty("status").GetString()));
        Assert.Empty(logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed"));
    }

    [Fact]
    public async Task Webhook_ServerNeverAnswers_EachAttemptBounded_GivesUpAndLogsOnceWithoutUrl()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await WebhookServer.StartAsync(async (_, context) =>
        {
            try
            {
                await release.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var logs = new TestLogSink();
        await using (var host = await Start(
            server.Url,
            o =>
            {
                o.Timeout = TimeSpan.FromMilliseconds(300);
                o.Retries = 1;
                o.RetryDelay = TimeSpan.Zero;
            },
            logs))
        {
            await host.GetAsync("/health/checks/db");

            // Two changes, db's and that of /health, which runs db: each given up after two attempts, and logged once.
            await Eventually.True(() => logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").Count() == 2);
            var failed = logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").ToArray();
            Assert.Equal(4, server.Requests);
            Assert.All(failed, f => Assert.Contains("after 2 attempts: no answer within 300 ms (HealthKit:Webhook:Timeout)", f.Message, StringComparison.Ordinal));
            Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("t0ken", StringComparison.Ordinal));
        }

        release.TrySetResult();
    }

    [Fact]
    public async Task Webhook_ClientError_IsNotRetried()
    {
        await using var server = await WebhookServer.StartAsync((_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        var logs = new TestLogSink();
        await using var host = await Start(server.Url, o => o.RetryDelay = TimeSpan.Zero, logs);

        await host.GetAsync("/health/checks/db");

        // Two changes, db's and that of /health, which runs db: one attempt each.
        await Eventually.True(() => logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").Count() == 2);
        Assert.Equal(2, server.Requests);
        Assert.All(logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed"), f => Assert.Contains("after 1 attempts: answered 404", f.Message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StatusCodes.Status301MovedPermanently)]
    [InlineData(StatusCodes.Status302Found)]
    [InlineData(StatusCodes.Status307TemporaryRedirect)]
    [InlineData(StatusCodes.Status308PermanentRedirect)]
    public async Task Webhook_ReceiverRedirects_IsAFailedDeliveryNotFollowed_LocationLoggedRedacted(int status)
    {
        await using var server = await WebhookServer.StartAsync((_, context) =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = "/hooks/elsewhere-t0ken?sig=s3cret";
            return Task.CompletedTask;
        });
        var logs = new TestLogSink();
        await using var host = await Start(server.Url, o => o.RetryDelay = TimeSpan.Zero, logs);

        await host.GetAsync("/health/checks/db");

        // Two changes, db's and that of /health, which runs db: each posted once, neither followed nor retried.
        await Eventually.True(() => logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").Count() == 2);
        Assert.All(logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed"), failed => Assert.Contains(
            $"after 1 attempts: answered {status}, a redirect to {server.Url.GetLeftPart(UriPartial.Authority)}/******, which is not followed",
            failed.Message,
            StringComparison.Ordinal));
        Assert.Equal(2, server.Requests);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("s3cret", StringComparison.Ordinal) || e.Message.Contains("elsewhere", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Webhook_UsersHandlerFollowsRedirects_AnswerFromAnotherUri_IsAFailedDelivery()
    {
        await using var server = await WebhookServer.StartAsync((_, context) =>
        {
            if (context.Request.Path.Value!.EndsWith("t0ken-in-the-path", StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
                context.Response.Headers.Location = "/hooks/elsewhere";
            }

            return Task.CompletedTask;
        });
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddHealthKit()
                    .AddCheck("db", () => HealthCheckResult.Unhealthy("down"))
                    .AddWebhookListener(o =>
                    {
                        o.Url = server.Url;
                        o.RetryDelay = TimeSpan.Zero;
                    });
                b.Services.AddHttpClient("HealthKit.Webhook")
                    .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = true });
            },
            logs: logs);

        await host.GetAsync("/health/checks/db");

        // Two changes, db's and that of /health: each posted once and followed once by the user's handler, and failed.
        await Eventually.True(() => logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").Count() == 2);
        Assert.All(logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed"), failed => Assert.Contains(
            $"after 1 attempts: answered 200 from {server.Url.GetLeftPart(UriPartial.Authority)}/****** after the HttpClient's handler followed a redirect",
            failed.Message,
            StringComparison.Ordinal));
        Assert.Equal(4, server.Requests);
    }

    [Theory]
    [InlineData(299, null, null)]
    [InlineData(300, "/hooks/t0ken", "answered 300, a redirect to https://hooks.example.com/******, which is not followed")]
    [InlineData(399, "https://other.example.com/", "answered 399, a redirect to https://other.example.com, which is not followed")]
    [InlineData(302, "/", "answered 302, a redirect to https://hooks.example.com, which is not followed")]
    [InlineData(303, "", "answered 303, a redirect to https://hooks.example.com/******, which is not followed")]
    [InlineData(307, null, "answered 307, a redirect without a location, which is not followed")]
    [InlineData(400, "/hooks/t0ken", null)]
    public void Redirected_EveryThreeHundredStatus_IsARedirect_WhereItPointsWithoutPathOrQuery(int status, string? location, string? expected)
    {
        var sent = new Uri("https://hooks.example.com/hooks/s3cret?sig=1");
        using var request = new HttpRequestMessage(HttpMethod.Post, sent);
        using var response = new HttpResponseMessage((System.Net.HttpStatusCode)status) { RequestMessage = request };
        if (location is not null)
        {
            response.Headers.Location = new Uri(location, UriKind.RelativeOrAbsolute);
        }

        Assert.Equal(expected, WebhookListener.Redirected(sent, response));
    }

    [Fact]
    public void Redirected_AnswerFromAnotherUri_IsARedirectTheHandlerFollowed()
    {
        var sent = new Uri("https://hooks.example.com/hooks/s3cret");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("https://other.example.com:8443/landing?sig=1"));
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { RequestMessage = request };

        Assert.Equal(
            "answered 200 from https://other.example.com:8443/****** after the HttpClient's handler followed a redirect; redirects are not followed",
            WebhookListener.Redirected(sent, response));
    }

    [Theory]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(499, false)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    public void IsTransient_TimeoutTooManyAndServerErrors(int status, bool transient) =>
        Assert.Equal(transient, WebhookListener.IsTransient((System.Net.HttpStatusCode)status));

    [Fact]
    public void Serialize_ChangeFromAPreviousStatus_NamesIt()
    {
        var change = new HealthStatusChange(HealthStatusChangeKind.Endpoint, "Ready", HealthStatus.Healthy, HealthStatus.Degraded, description: null, new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

        var json = JsonDocument.Parse(WebhookListener.Serialize(change)).RootElement;

        Assert.Equal(("endpoint", "Ready", "Healthy", "Degraded"), (json.GetProperty("kind").GetString(), json.GetProperty("name").GetString(), json.GetProperty("previousStatus").GetString(), json.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Webhook_NothingListens_FailsNamingTheErrorKindNotTheUrl()
    {
        // A port that was free a moment ago: the connection is refused.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var logs = new TestLogSink();
        await using var host = await Start(new Uri($"http://127.0.0.1:{port}/hooks/s3cret"), o => o.Retries = 0, logs);

        await host.GetAsync("/health/checks/db");

        await Eventually.True(() => logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").Any());
        var failed = logs.ForEvent(Log.Events.WebhookFailed, "HealthKitWebhookFailed").First();
        Assert.Contains("after 1 attempts: request failed (ConnectionError)", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", failed.Message, StringComparison.Ordinal);
    }

    public static TheoryData<Dictionary<string, string?>, bool, string> InvalidSettings => new()
    {
        { new() { ["HealthKit:Webhook:Timeout"] = "00:00:02" }, true, "HealthKit:Webhook:Url is required" },
        { new() { ["HealthKit:Webhook:Url"] = "alerts/s3cr3t-path" }, true, "HealthKit:Webhook:Url must be an absolute http or https URL" },
        { new() { ["HealthKit:Webhook:Url"] = "ftp://alerts.test/s3cr3t-path" }, true, "HealthKit:Webhook:Url must be an absolute http or https URL" },
        { new() { ["HealthKit:Webhook:Url"] = "https://alerts.test/s3cr3t-path" }, false, "HealthKit:Webhook:Url is set, but no webhook listener is registered" },
        { new() { ["HealthKit:Webhook:Url"] = "https://alerts.test/s3cr3t-path", ["HealthKit:Webhook:Timeout"] = "00:00:00" }, true, "HealthKit:Webhook:Timeout" },
        { new() { ["HealthKit:Webhook:Url"] = "https://alerts.test/s3cr3t-path", ["HealthKit:Webhook:Retries"] = "-1" }, true, "HealthKit:Webhook:Retries" },
        { new() { ["HealthKit:Webhook:Url"] = "https://alerts.test/s3cr3t-path", ["HealthKit:Webhook:RetryDelay"] = "-00:00:01" }, true, "HealthKit:Webhook:RetryDelay" },
        { new() { ["HealthKit:Webhook:Url"] = "https://alerts.test/s3cr3t-path", ["HealthKit:Webhook:Timeout"] = "00:00:20" }, true, "longer than HealthKit:ListenerTimeout" },
        { new() { ["HealthKit:ListenerTimeout"] = "00:00:00" }, false, "HealthKit:ListenerTimeout" },
        { new() { ["HealthKit:Webhook:Ulr"] = "https://alerts.test/s3cr3t-path" }, true, "did you mean 'Url'" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task InvalidWebhookSetting_StopsStartup_NamingTheKey(Dictionary<string, string?> configuration, bool register, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b =>
            {
                var health = b.Services.AddHealthKit();
                if (register)
                {
                    health.AddWebhookListener();
                }
            },
            configuration: configuration));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebhookSettings_FromConfiguration_Bind()
    {
        // Bound from the configuration the container holds, without a host: a started one would deliver its first
        // notifications to the unreachable URL and retry them while it stops.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Webhook:Url"] = "http://127.0.0.1:9/hook",
            ["HealthKit:Webhook:Timeout"] = "00:00:01",
            ["HealthKit:Webhook:Retries"] = "3",
            ["HealthKit:Webhook:RetryDelay"] = "00:00:00.500",
            ["HealthKit:ListenerTimeout"] = "00:00:10",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddHealthKit().AddWebhookListener();
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthKitOptions>>().Value;
        Assert.Equal((new Uri("http://127.0.0.1:9/hook"), TimeSpan.FromSeconds(1), 3, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(10)), (options.Webhook.Url, options.Webhook.Timeout, options.Webhook.Retries, options.Webhook.RetryDelay, options.ListenerTimeout));
    }

    [Fact]
    public async Task AddWebhookListener_Twice_RegistersOneListener()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Webhook:Url"] = "http://127.0.0.1:9/hook",
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddHealthKit().AddWebhookListener().AddWebhookListener(o => o.Retries = 0);
        await using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IHealthStatusListener>());
    }

    [Fact]
    public async Task Webhook_CancellationThatIsNeitherTheAttemptsTimeoutNorTheCallers_IsNotReportedAsATimeout()
    {
        var logs = new TestLogSink();
        var listener = Direct(new Uri("http://127.0.0.1:9/hook"), new ThrowingHandler(new OperationCanceledException("not ours")), logs);

        await Assert.ThrowsAsync<OperationCanceledException>(() => listener.OnStatusChangedAsync(Change(), TestContext.Current.CancellationToken));

        Assert.Empty(logs.ForEvent(47, "HealthKitWebhookFailed"));
    }

    [Fact]
    public async Task Webhook_WithoutAUrl_FailsNamingTheKey()
    {
        var listener = Direct(url: null, new ThrowingHandler(new InvalidOperationException("never sent")), new TestLogSink());

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => listener.OnStatusChangedAsync(Change(), TestContext.Current.CancellationToken));

        Assert.Equal("HealthKit:Webhook:Url is not set.", ex.Message);
    }

    private static HealthStatusChange Change() =>
        new(HealthStatusChangeKind.Check, "db", HealthStatus.Healthy, HealthStatus.Unhealthy, description: null, DateTimeOffset.UnixEpoch);

    /// <summary>The listener built by hand with no retry, its client's requests answered by <paramref name="handler"/>.</summary>
    private static WebhookListener Direct(Uri? url, HttpMessageHandler handler, TestLogSink logs)
    {
        var options = new HealthKitOptions();
        options.Webhook.Url = url;
        options.Webhook.Retries = 0;
        var loggers = new LoggerFactory([logs]);
        return new WebhookListener(new OneClient(handler), Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System, loggers.CreateLogger<WebhookListener>());
    }

    private sealed class OneClient(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    private sealed class ThrowingHandler(Exception exception) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(exception);
    }
}
