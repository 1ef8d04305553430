using System.Net;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Migration;

/// <summary>
/// An application that already used <c>MapHealthChecks</c> adds HealthKit: nothing it had changes without a word.
/// </summary>
public sealed class MigrationTests
{
    /// <summary>A check that takes 1.2 s, as a dependency with a 3 s budget might; Microsoft's service has no timeout.</summary>
    private sealed class SlowCheck : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(1200), cancellationToken);
            return HealthCheckResult.Healthy("slow but fine");
        }
    }

    [Theory]
    [InlineData(null, HttpStatusCode.OK, "Healthy")]
    [InlineData("false", HttpStatusCode.OK, "Healthy")]
    [InlineData("true", HttpStatusCode.ServiceUnavailable, "Unhealthy")]
    public async Task ReplaceHealthCheckService_SlowCheckBehindMapHealthChecks_KeepsMicrosoftBehaviourUnlessSet(string? replace, HttpStatusCode expected, string body)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00",
            ["HealthKit:ReplaceHealthCheckService"] = replace,
        });
        builder.Logging.ClearProviders();
        builder.Services.AddHealthKit().AddCheck("slow", new SlowCheck());
        await using var app = builder.Build();
        app.MapHealthKit();
        app.MapHealthChecks("/healthz");
        await app.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };

            using var old = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);
            Assert.Equal(expected, old.StatusCode);
            Assert.Equal(body, await old.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

            // HealthKit's own endpoint keeps HealthKit's 700 ms timeout either way.
            using var own = await client.GetAsync("/health", TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, own.StatusCode);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AddCheck_RegistrationTimeoutAboveDeadline_WarnsNamingCheckValuesAndSetting()
    {
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("payments", () => HealthCheckResult.Healthy(), tags: [HealthKitTags.Ready], timeout: TimeSpan.FromSeconds(3))
                .AddCheck("cache", () => HealthCheckResult.Healthy(), timeout: TimeSpan.FromMilliseconds(500))
                .AddCheck("reports", () => HealthCheckResult.Healthy(), timeout: TimeSpan.FromSeconds(3))
                .AddCheck("search", () => HealthCheckResult.Healthy(), timeout: TimeSpan.FromSeconds(3)),
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Endpoints:Ready:Deadline"] = "00:00:00.500",
                ["HealthKit:Checks:reports:Mode"] = "Background",
                ["HealthKit:Checks:search:Timeout"] = "00:00:00.400",
            },
            logs: logs);

        var warnings = logs.ForEvent(80, "HealthKitRegistrationTimeoutCapped").ToList();
        var warning = Assert.Single(warnings);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(
            "Health check 'payments' is registered with a timeout of 00:00:03, but runs with 00:00:00.5000000: an on-demand check cannot outlast the deadline of endpoint 'Ready', which runs it. Raise HealthKit:Endpoints:Ready:Deadline, or set HealthKit:Checks:payments:Mode to Background, whose runs may be longer than any deadline",
            warning.Message);
    }

    [Fact]
    public async Task MapHealthChecks_OnHealthKitPath_WarnsNamingBothAndOtherMethodsAreNot500()
    {
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("db", () => HealthCheckResult.Healthy()),
            map: a =>
            {
                a.MapHealthKit();
                a.MapHealthChecks("/health");
                a.MapHealthChecks("/healthz");
            },
            logs: logs);

        var warning = Assert.Single(logs.ForEvent(81, "HealthKitEndpointCollision"));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Equal(
            "Endpoint 'Health checks' (route '/health') is mapped on the path of HealthKit's endpoint 'HealthKit Health' (route '/health'). GET and HEAD go to HealthKit unless the other endpoint names them too (then they fail with 500); the other methods it accepts go to it. Remove the other mapping (MapHealthKit replaces MapHealthChecks), or move HealthKit with HealthKit:PathPrefix or MapHealthKit(\"/prefix\")",
            warning.Message);

        using var post = await host.Client.PostAsync("/health", content: null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal("Healthy", await post.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("application/json", (await host.GetAsync("/health")).ContentType);
    }

    [Theory]
    [InlineData("/health", "/health", true)]
    [InlineData("/HEALTH/Ready/", "/health/ready", true)]
    [InlineData("/health/checks/db", "/health/checks/{name}", true)]
    [InlineData("/health/{probe}", "/health/ready", false)]
    [InlineData("/{**path}", "/health", false)]
    [InlineData("/healthz", "/health", false)]
    [InlineData("/health/ready/extra", "/health/ready", false)]
    [InlineData("/health/checks/{**rest}", "/health/checks/{name}", false)]
    public void Collide_OtherRouteAgainstHealthKitRoute_OnlyLiteralsThatRoutingSendsToBoth(string other, string ours, bool expected) =>
        Assert.Equal(expected, HealthKit.Endpoints.EndpointCollisions.Collide(RoutePatternFactory.Parse(other), RoutePatternFactory.Parse(ours)));

    [Fact]
    public async Task MapHealthKit_AlonePerMethod_NoCollisionAndOtherMethodsGet405()
    {
        var logs = new TestLogSink();
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("db", () => HealthCheckResult.Healthy()),
            map: a =>
            {
                a.MapHealthKit();
                a.MapHealthChecks("/healthz");
                a.MapGet("/health/other", () => "other");
            },
            logs: logs);

        Assert.Empty(logs.ForEvent(81, "HealthKitEndpointCollision"));
        using var post = await host.Client.PostAsync("/health/ready", content: null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
    }
}
