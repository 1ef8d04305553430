using System.Net;
using System.Security.Claims;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Endpoints;

/// <summary>The README's promises about methods, headers, detail settings and query bounds, each at its exact edge.</summary>
public sealed class EndpointContractTests
{
    private static readonly string[] Paths = ["/health", "/health/live", "/health/ready", "/health/startup", "/health/checks/db", "/health/checks/nope"];

    private static Task<TestHost> Start(
        Action<HealthKitOptions>? options = null,
        string environment = "Production",
        Action<WebApplicationBuilder>? services = null,
        Action<WebApplication>? map = null) =>
        TestHost.StartAsync(
            b =>
            {
                services?.Invoke(b);
                b.Services.AddHealthKit(options ?? (_ => { }))
                    .AddCheck("db", () => HealthCheckResult.Unhealthy("down"), [HealthKitTags.Ready])
                    .AddCheck("cache", () => HealthCheckResult.Healthy("fine"), [HealthKitTags.Ready]);
            },
            map,
            environment: environment);

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("OPTIONS")]
    public async Task OtherMethods_Get405_NamingGetAndHead_NeverCached(string method)
    {
        await using var host = await Start();

        foreach (var path in Paths)
        {
            using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
            Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow.Order(StringComparer.Ordinal));
            AssertNoCache(response, $"{method} {path}");
        }
    }

    [Fact]
    public async Task EveryAnswer_503_400_404_405_CarriesTheNoCacheHeaders()
    {
        await using var host = await Start();

        foreach (var (method, path, status) in new[]
        {
            ("GET", "/health/ready", 503),
            ("GET", "/health/ready?format=xml", 400),
            ("GET", "/health/checks/nope", 404),
            ("HEAD", "/health/checks/nope", 404),
            ("POST", "/health/ready", 405),
        })
        {
            using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);

            Assert.Equal(status, (int)response.StatusCode);
            AssertNoCache(response, $"{method} {path}");
        }
    }

    [Fact]
    public async Task Head_OnOneCheck_AnswersItsStatusWithoutABody()
    {
        await using var host = await Start();

        using var db = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health/checks/db"), TestContext.Current.CancellationToken);
        using var cache = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health/checks/cache"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, db.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cache.StatusCode);
        Assert.Equal("application/json", cache.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await db.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await cache.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
        AssertNoCache(db, "HEAD /health/checks/db");
    }

    [Fact]
    public async Task Exclude_64Names_IsAnswered_65AreA400()
    {
        await using var host = await Start();
        var names = Enumerable.Range(0, 65).Select(i => "n" + i).ToArray();

        var atLimit = await host.GetAsync("/health/ready?exclude=" + string.Join(',', names.Take(64)));
        var overLimit = await host.GetAsync("/health/ready?exclude=" + string.Join(',', names));
        var repeated = await host.GetAsync("/health/ready?exclude=" + string.Join(',', names.Take(64)) + "&exclude=N0,n63");

        Assert.Equal(503, atLimit.StatusCode);
        Assert.Equal(64, atLimit.Json.GetProperty("warnings").GetArrayLength());
        Assert.Equal(400, overLimit.StatusCode);
        Assert.Equal("at most 64 checks can be excluded", overLimit.Json.GetProperty("error").GetString());

        // The limit counts distinct names (case-insensitive, as check names are), not how often one is repeated.
        Assert.Equal(503, repeated.StatusCode);
    }

    [Fact]
    public async Task QueryString_2048Characters_IsAnswered_2049AreA400()
    {
        await using var host = await Start();

        // The query string as the server sees it, with its leading '?'.
        var atLimit = await host.GetAsync("/health/ready?x=" + new string('a', 2048 - 3));
        var overLimit = await host.GetAsync("/health/ready?x=" + new string('a', 2049 - 3));

        Assert.Equal(503, atLimit.StatusCode);
        Assert.Equal("Unhealthy", atLimit.Status);
        Assert.Equal(400, overLimit.StatusCode);
        Assert.Equal("the query string is longer than 2048 characters", overLimit.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AuthorizedDetailLevel_Components_RaisesAuthorizedCallersToComponentsOnly()
    {
        await using var host = await Start(
            o =>
            {
                o.DetailsPolicy = "ops";
                o.AuthorizedDetailLevel = HealthDetailLevel.Components;
            },
            services: b => b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAuthenticatedUser())),
            map: app =>
            {
                app.Use((context, next) =>
                {
                    if (context.Request.Headers.ContainsKey("X-Test-User"))
                    {
                        context.User = new ClaimsPrincipal(new ClaimsIdentity("test"));
                    }

                    return next(context);
                });
                app.MapHealthKit();
            });

        var anonymous = await host.GetAsync("/health/ready");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        request.Headers.Add("X-Test-User", "ops");
        using var authorized = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = new TestHost.Response(authorized, await authorized.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

        Assert.False(anonymous.Json.TryGetProperty("entries", out _));
        Assert.Equal(["startup", "availability", "db", "cache"], body.EntryNames);
        Assert.Equal(["status"], body.Entry("db").EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain("down", body.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FullDetailsInDevelopment_False_KeepsEachEndpointsOwnLevelInDevelopment()
    {
        await using var host = await Start(o => o.FullDetailsInDevelopment = false, environment: "Development");
        await using var raised = await Start(environment: "Development");

        var ready = await host.GetAsync("/health/ready");
        var health = await host.GetAsync("/health");

        Assert.False(ready.Json.TryGetProperty("entries", out _));
        Assert.Equal(["status"], health.Entry("db").EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain("down", health.Body, StringComparison.Ordinal);

        // The same application with the default shows everything in Development.
        Assert.Equal("down", (await raised.GetAsync("/health/ready")).Entry("db").GetProperty("description").GetString());
    }

    [Fact]
    public async Task CheckName_200Characters_IsAnswered_201AreA404()
    {
        var atLimit = new string('a', 200);
        var overLimit = new string('b', 201);
        await using var host = await TestHost.StartAsync(b => b.Services.AddHealthKit()
            .AddCheck(atLimit, () => HealthCheckResult.Healthy()));

        var answered = await host.GetAsync("/health/checks/" + atLimit);
        var refused = await host.GetAsync("/health/checks/" + overLimit);

        Assert.Equal(200, answered.StatusCode);
        Assert.Equal([atLimit], answered.EntryNames);

        // A name longer than any check may have is not looked up (CheckNameTests: such a check cannot be registered).
        Assert.Equal(404, refused.StatusCode);
        Assert.Equal("no health check of that name", refused.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ExcludedName_200Characters_IsAnswered_201AreA400()
    {
        await using var host = await Start();
        var atLimit = new string('x', 200);

        var answered = await host.GetAsync("/health/ready?exclude=" + atLimit);
        var refused = await host.GetAsync("/health/ready?exclude=" + new string('x', 201));

        Assert.Equal(503, answered.StatusCode);
        Assert.Equal(
            [$"cannot exclude '{atLimit}': this endpoint runs no check of that name"],
            answered.Json.GetProperty("warnings").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(400, refused.StatusCode);
        Assert.Equal("an excluded check name is longer than 200 characters", refused.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task DetailsPolicy_Empty_IsNoPolicy()
    {
        await using var host = await Start(o => o.DetailsPolicy = string.Empty);

        var ready = await host.GetAsync("/health/ready");

        Assert.Equal(503, ready.StatusCode);
        Assert.Equal(["status", "totalDuration"], ready.Json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task DetailsPolicy_IsNotEvaluated_WhereTheEndpointAlreadyShowsTheAuthorizedLevel()
    {
        var evaluations = 0;
        await using var host = await Start(
            o =>
            {
                o.DetailsPolicy = "ops";
                o.Endpoints.Ready.DetailLevel = HealthDetailLevel.Full;
            },
            services: b => b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAssertion(_ =>
            {
                Interlocked.Increment(ref evaluations);
                return false;
            }))));

        var ready = await host.GetAsync("/health/ready");

        Assert.Equal("down", ready.Entry("db").GetProperty("description").GetString());
        Assert.Equal(0, evaluations);

        // Below the authorized level (AuthorizedDetailLevel is Full by default) the policy is asked, once a request.
        var health = await host.GetAsync("/health");

        Assert.Equal(["status"], health.Entry("db").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, evaluations);
    }

    [Fact]
    public async Task DetailsPolicy_ThatIsCancelledByItself_FailsTheRequest_ItIsNoClientAbort()
    {
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAssertion(
                    _ => Task.FromException<bool>(new TaskCanceledException("the policy's own lookup timed out")))));
                b.Services.AddHealthKit(o => o.DetailsPolicy = "ops")
                    .AddCheck("db", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready]);
            },
            logs: logs);

        var error = await Record.ExceptionAsync(() => host.GetAsync("/health/ready"));

        Assert.IsType<TaskCanceledException>(error);
        Assert.Equal("the policy's own lookup timed out", error.Message);
        Assert.Empty(logs.ForEvent(5, "HealthKitRequestAborted"));
    }

    [Fact]
    public async Task ClientDisconnect_WhileChecksRun_IsLoggedAsAnAbortedRequest_NotAnError()
    {
        var logs = new TestLogSink();
        var slow = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("slow", slow, tags: [HealthKitTags.Ready]),
            logs: logs);

        using var disconnect = new CancellationTokenSource();
        var request = host.Client.GetAsync("/health/ready", disconnect.Token);
        await Eventually.True(() => slow.Runs == 1);
        await disconnect.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await Eventually.True(() => logs.ForEvent(5, "HealthKitRequestAborted").Any());
        slow.Gate.SetResult();

        var aborted = Assert.Single(logs.ForEvent(5, "HealthKitRequestAborted"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, aborted.Level);
        Assert.Equal("Health request to 'Ready' was aborted by the client", aborted.Message);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    private static void AssertNoCache(HttpResponseMessage response, string what)
    {
        Assert.True(response.Headers.CacheControl is { NoStore: true, NoCache: true }, $"{what}: Cache-Control is '{response.Headers.CacheControl}'");
        Assert.Equal("no-cache", string.Join(",", response.Headers.Pragma));
        Assert.Equal(DateTimeOffset.UnixEpoch, response.Content.Headers.Expires);
    }
}
