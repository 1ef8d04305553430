using System.Net;
using System.Text.RegularExpressions;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Endpoints;

public sealed partial class EndpointTests
{
    [GeneratedRegex(@"^\d{2}:\d{2}:\d{2}(\.\d{7})?$")]
    private static partial Regex TimeSpanFormat();

    private static Task<TestHost> StartWithChecks(
        Action<IHealthChecksBuilder> checks,
        IDictionary<string, string?>? configuration = null,
        string environment = "Production",
        Action<HealthKitOptions>? options = null) =>
        TestHost.StartAsync(
            builder =>
            {
                var healthChecks = options is null ? builder.Services.AddHealthKit() : builder.Services.AddHealthKit(options);
                checks(healthChecks);
            },
            configuration: configuration,
            environment: environment);

    [Fact]
    public async Task MapHealthKit_MapsFourEndpoints_EachAnswersJson()
    {
        await using var host = await StartWithChecks(c => c.AddCheck("ping", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready]));

        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup" })
        {
            var response = await host.GetAsync(path);
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("application/json", response.ContentType);
            Assert.Equal("Healthy", response.Status);
            Assert.Matches(TimeSpanFormat(), response.Json.GetProperty("totalDuration").GetString());
        }
    }

    [Fact]
    public async Task Live_ByDefault_RunsOnlySelf()
    {
        await using var host = await StartWithChecks(c => c
            .AddCheck("db", () => HealthCheckResult.Unhealthy("down"), [HealthKitTags.Ready])
            .AddCheck("untagged", () => HealthCheckResult.Unhealthy("down")));

        var live = await host.GetAsync("/health/live", "*/*");

        Assert.Equal(200, live.StatusCode);
        Assert.Equal("Healthy", live.Status);
    }

    [Fact]
    public async Task Endpoints_SelectChecksByTag()
    {
        await using var host = await StartWithChecks(
            c => c
                .AddCheck("db", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready])
                .AddCheck("migrations", () => HealthCheckResult.Healthy(), [HealthKitTags.Startup])
                .AddCheck("untagged", () => HealthCheckResult.Healthy()),
            environment: "Development");

        Assert.Equal(["self", "startup", "availability", "db", "migrations", "untagged"], (await host.GetAsync("/health")).EntryNames);
        Assert.Equal(["self"], (await host.GetAsync("/health/live")).EntryNames);
        Assert.Equal(["startup", "availability", "db"], (await host.GetAsync("/health/ready")).EntryNames);
        Assert.Equal(["startup", "migrations"], (await host.GetAsync("/health/startup")).EntryNames);
    }

    [Theory]
    [InlineData(HealthStatus.Healthy, 200)]
    [InlineData(HealthStatus.Degraded, 200)]
    [InlineData(HealthStatus.Unhealthy, 503)]
    public async Task Status_MapsToDefaultStatusCode(HealthStatus status, int expected)
    {
        await using var host = await StartWithChecks(c => c.AddCheck("x", () => new HealthCheckResult(status), [HealthKitTags.Ready]));

        var response = await host.GetAsync("/health/ready");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(status.ToString(), response.Status);
    }

    [Fact]
    public async Task StatusCodes_AreConfigurablePerEndpoint()
    {
        await using var host = await StartWithChecks(
            c => c.AddCheck("x", () => HealthCheckResult.Degraded("slow"), [HealthKitTags.Ready]),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Ready:DegradedStatusCode"] = "503" });

        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Response_WorstEntryWins()
    {
        await using var host = await StartWithChecks(c => c
            .AddCheck("a", () => HealthCheckResult.Healthy())
            .AddCheck("b", () => HealthCheckResult.Degraded())
            .AddCheck("c", () => HealthCheckResult.Unhealthy()));

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("Unhealthy", response.Status);
        Assert.Equal("Degraded", response.Entry("b").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Response_HasNoCacheHeaders()
    {
        await using var host = await StartWithChecks(_ => { });

        var response = await host.GetAsync("/health/live");

        Assert.Contains("no-store", response.CacheControl, StringComparison.Ordinal);
        Assert.Contains("no-cache", response.CacheControl, StringComparison.Ordinal);
        Assert.Equal("no-cache", response.Headers["Pragma"]);
        Assert.Equal("Thu, 01 Jan 1970 00:00:00 GMT", response.Headers["Expires"]);
    }

    [Fact]
    public async Task Head_AnswersStatusWithoutBody()
    {
        await using var host = await StartWithChecks(c => c.AddCheck("x", () => HealthCheckResult.Unhealthy(), [HealthKitTags.Ready]));

        using var live = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health/live"), TestContext.Current.CancellationToken);
        using var ready = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/health/ready"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Empty(await live.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("PATCH")]
    public async Task OtherMethods_Get405(string method)
    {
        await using var host = await StartWithChecks(_ => { });

        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup" })
        {
            using var response = await host.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }
    }

    [Fact]
    public async Task DetailLevel_Status_HasNoEntries()
    {
        await using var host = await StartWithChecks(c => c.AddCheck("db", () => HealthCheckResult.Healthy("fine"), [HealthKitTags.Ready]));

        var response = await host.GetAsync("/health/ready");

        Assert.False(response.Json.TryGetProperty("entries", out _));
        Assert.DoesNotContain("fine", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetailLevel_Components_HasNamesAndStatusesOnly()
    {
        await using var host = await StartWithChecks(c => c.AddCheck("db", () => HealthCheckResult.Healthy("fine", new Dictionary<string, object> { ["k"] = 1 })));

        var entry = (await host.GetAsync("/health")).Entry("db");

        Assert.Equal("Healthy", entry.GetProperty("status").GetString());
        Assert.Equal(["status"], entry.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task DetailLevel_Full_HasDescriptionDataDurationTagsAndProducedAt()
    {
        await using var host = await StartWithChecks(
            c => c.AddCheck("db", () => HealthCheckResult.Degraded("slow", data: new Dictionary<string, object> { ["roundTripMs"] = 12.5, ["Server"] = "pg" }), [HealthKitTags.Ready]),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Ready:DetailLevel"] = "Full" });

        var entry = (await host.GetAsync("/health/ready")).Entry("db");

        Assert.Equal("Degraded", entry.GetProperty("status").GetString());
        Assert.Equal("slow", entry.GetProperty("description").GetString());
        Assert.Matches(TimeSpanFormat(), entry.GetProperty("duration").GetString());
        Assert.True(entry.GetProperty("producedAt").TryGetDateTimeOffset(out _));
        Assert.Equal(["ready"], entry.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(12.5, entry.GetProperty("data").GetProperty("roundTripMs").GetDouble());
        Assert.Equal("pg", entry.GetProperty("data").GetProperty("Server").GetString());
    }

    [Fact]
    public async Task Development_RaisesEveryEndpointToFull()
    {
        await using var host = await StartWithChecks(c => c.AddCheck("db", () => HealthCheckResult.Healthy("fine"), [HealthKitTags.Ready]), environment: "Development");

        Assert.Equal("fine", (await host.GetAsync("/health/ready")).Entry("db").GetProperty("description").GetString());
    }

    [Fact]
    public async Task DetailsPolicy_RaisesAuthorizedCallersOnly()
    {
        await using var host = await TestHost.StartAsync(
            builder =>
            {
                builder.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAssertion(ctx =>
                    ctx.Resource is Microsoft.AspNetCore.Http.HttpContext && ctx.User.Identity?.IsAuthenticated == true)));
                builder.Services.AddHealthKit(o => o.DetailsPolicy = "ops")
                    .AddCheck("db", () => HealthCheckResult.Healthy("fine"), [HealthKitTags.Ready]);
            },
            map: app =>
            {
                app.Use((context, next) =>
                {
                    if (context.Request.Headers.ContainsKey("X-Test-User"))
                    {
                        context.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity("test"));
                    }

                    return next(context);
                });
                app.MapHealthKit();
            });

        var anonymous = await host.GetAsync("/health/ready");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/ready");
        request.Headers.Add("X-Test-User", "ops");
        using var authorized = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await authorized.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.False(anonymous.Json.TryGetProperty("entries", out _));
        Assert.Contains("\"description\":\"fine\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptAnything_GetsJson()
    {
        await using var host = await StartWithChecks(_ => { });

        var response = await host.GetAsync("/health/live", "*/*");

        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("Healthy", response.Status);
    }

    [Fact]
    public async Task PathPrefix_FromOptions_MovesEveryEndpoint()
    {
        await using var host = await StartWithChecks(_ => { }, new Dictionary<string, string?> { ["HealthKit:PathPrefix"] = "/_system/health" });

        Assert.Equal(200, (await host.GetAsync("/_system/health/live")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/_system/health")).StatusCode);
        Assert.Equal(404, (await host.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task PathPrefix_FromMapHealthKitArgument_Wins()
    {
        await using var host = await TestHost.StartAsync(b => b.Services.AddHealthKit(), map: app => app.MapHealthKit("/healthz"));

        Assert.Equal(200, (await host.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(404, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task ConventionBuilder_AppliesToAllEndpoints()
    {
        await using var host = await TestHost.StartAsync(b => b.Services.AddHealthKit(), map: app => app.MapHealthKit().RequireHost("internal.example"));

        foreach (var path in new[] { "/health", "/health/live", "/health/ready", "/health/startup" })
        {
            Assert.Equal(404, (await host.GetAsync(path)).StatusCode);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Host = "internal.example";
            using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task DisabledEndpoint_IsNotMapped()
    {
        await using var host = await StartWithChecks(_ => { }, new Dictionary<string, string?> { ["HealthKit:Endpoints:Startup:Enabled"] = "false" });

        Assert.Equal(404, (await host.GetAsync("/health/startup")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task ExistingHealthChecks_ChainOntoAddHealthKit()
    {
        await using var host = await StartWithChecks(
            c => c.AddCheck<LegacyCheck>("legacy", tags: [HealthKitTags.Ready]).AddTypeActivatedCheck<LegacyCheck>("activated"),
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal("legacy says hi", response.Entry("legacy").GetProperty("description").GetString());
        Assert.Equal("legacy says hi", response.Entry("activated").GetProperty("description").GetString());
    }

    [Fact]
    public async Task AddHealthKit_Twice_IsHarmless()
    {
        await using var host = await TestHost.StartAsync(builder =>
        {
            builder.Services.AddHealthKit();
            builder.Services.AddHealthKit(o => o.Endpoints.Live.DetailLevel = HealthDetailLevel.Components);
        });

        var response = await host.GetAsync("/health/live");

        Assert.Equal(["self"], response.EntryNames);
    }

    [Fact]
    public async Task AddHealthKit_ConfigureAction_RunsAfterConfiguration()
    {
        await using var host = await StartWithChecks(
            _ => { },
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Live:DetailLevel"] = "Full", ["HealthKit:Endpoints:Ready:DetailLevel"] = "Full" },
            options: o => o.Endpoints.Live.DetailLevel = HealthDetailLevel.Status);

        Assert.False((await host.GetAsync("/health/live")).Json.TryGetProperty("entries", out _));
        Assert.True((await host.GetAsync("/health/ready")).Json.TryGetProperty("entries", out _));
    }

    [Fact]
    public async Task MapHealthKit_WithoutAddHealthKit_FailsWithHelpfulMessage()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(_ => { }));

        Assert.Contains("AddHealthKit()", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResponseFieldNames_AreReadableByHealthChecksUiClient()
    {
        await using var host = await StartWithChecks(c => c.AddCheck("db", () => HealthCheckResult.Healthy("ok", new Dictionary<string, object> { ["n"] = 1 })), environment: "Development");

        var json = (await host.GetAsync("/health")).Json;

        Assert.Equal(["status", "totalDuration", "entries"], json.EnumerateObject().Select(p => p.Name));
        var entry = json.GetProperty("entries").GetProperty("db");
        foreach (var field in new[] { "status", "description", "duration", "tags", "data" })
        {
            Assert.True(entry.TryGetProperty(field, out _), field);
        }
    }

    private sealed class LegacyCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(HealthCheckResult.Healthy("legacy says hi"));
    }
}
