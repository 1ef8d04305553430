using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Endpoints;

/// <summary>
/// <c>?verbose</c> raises an endpoint left at its default level to Components, and never one whose level the operator
/// set; its values are <c>true</c>, <c>1</c> and the bare flag (on) and <c>false</c> and <c>0</c> (off), nothing else.
/// </summary>
public sealed class VerboseCeilingTests
{
    private const string HealthJson = "application/health+json";
    private const string Browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private static readonly Dictionary<string, string?> Identity = new()
    {
        ["HealthKit:HealthJson:ServiceId"] = "orders",
        ["HealthKit:HealthJson:Version"] = "2.1.0",
        ["HealthKit:HealthJson:ReleaseId"] = "2.1.0+5f3c2e1",
    };

    private static Task<TestHost> Start(IDictionary<string, string?>? configuration = null, Action<HealthKitOptions>? options = null) =>
        TestHost.StartAsync(
            b => b.Services.AddHealthKit(options ?? (_ => { }))
                .AddCheck("postgres", () => HealthCheckResult.Healthy("round trip 3 ms"), [HealthKitTags.Ready])
                .AddCheck("disk", () => HealthCheckResult.Unhealthy("/data: 10 MiB free"), [HealthKitTags.Ready]),
            configuration: configuration);

    public static TheoryData<string> ExplicitStatus => new() { "configuration", "code" };

    [Theory]
    [MemberData(nameof(ExplicitStatus))]
    public async Task Verbose_OnAnEndpointWhoseLevelWasSet_IsCappedInEveryFormat(string setBy)
    {
        await using var host = setBy == "configuration"
            ? await Start(new Dictionary<string, string?>(Identity) { ["HealthKit:Endpoints:Ready:DetailLevel"] = "Status" })
            : await Start(Identity, o => o.Endpoints.Ready.DetailLevel = HealthDetailLevel.Status);

        var json = await host.GetAsync("/health/ready?verbose");
        var text = await host.GetAsync("/health/ready?verbose&format=text");
        var healthJson = await host.GetAsync("/health/ready?verbose=1", HealthJson);
        var page = await host.GetAsync("/health/ready?verbose=true", Browser);

        Assert.All([json, text, healthJson, page], r => Assert.Equal(503, r.StatusCode));
        Assert.Equal(["status", "totalDuration"], json.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ready check failed\n", text.Body);
        Assert.Equal("""{"status":"fail"}""", healthJson.Body);
        Assert.Equal("text/html", page.ContentType);
        Assert.DoesNotContain("postgres", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("disk", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verbose_OnAProbeLeftAtItsDefault_ShowsNamesAndStatuses_NotTheServicesVersion()
    {
        // Another key of the endpoint is set: the configuration binder then calls every setter of its section.
        await using var host = await Start(new Dictionary<string, string?>(Identity) { ["HealthKit:Endpoints:Ready:Deadline"] = "00:00:00.800" });

        var json = await host.GetAsync("/health/ready?verbose");
        var text = await host.GetAsync("/health/ready?verbose&format=text");
        var healthJson = await host.GetAsync("/health/ready?verbose", HealthJson);
        var page = await host.GetAsync("/health/ready?verbose", Browser);
        var aggregate = await host.GetAsync("/health", HealthJson);

        Assert.Equal(["startup", "availability", "postgres", "disk"], json.EntryNames);
        Assert.False(json.Entry("disk").TryGetProperty("description", out _));
        Assert.Equal("[+]startup ok\n[+]availability ok\n[+]postgres ok\n[-]disk failed: reason withheld\nready check failed\n", text.Body);
        Assert.Contains("postgres", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("10 MiB", page.Body, StringComparison.Ordinal);

        // health+json: the checks, but not the build (version, releaseId) that only configuration may reveal.
        Assert.Equal(["status", "serviceId", "checks"], healthJson.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("fail", healthJson.Json.GetProperty("checks").GetProperty("disk")[0].GetProperty("status").GetString());

        // /health is at Components by configuration (its default), so it shows them.
        Assert.Equal("2.1.0", aggregate.Json.GetProperty("version").GetString());
        Assert.Equal("2.1.0+5f3c2e1", aggregate.Json.GetProperty("releaseId").GetString());
    }

    [Fact]
    public async Task Verbose_CannotLiftTheAggregateEndpointSetToStatus()
    {
        await using var host = await Start(new Dictionary<string, string?>(Identity) { ["HealthKit:Endpoints:Health:DetailLevel"] = "Status" });

        var json = await host.GetAsync("/health?verbose");
        var single = await host.GetAsync("/health/checks/disk?verbose");
        var healthJson = await host.GetAsync("/health?verbose", HealthJson);

        Assert.False(json.Json.TryGetProperty("entries", out _));
        Assert.False(single.Json.TryGetProperty("entries", out _));
        Assert.Equal("""{"status":"fail"}""", healthJson.Body);
    }

    [Theory]
    [InlineData("?verbose", true)]
    [InlineData("?verbose=", true)]
    [InlineData("?verbose=1", true)]
    [InlineData("?verbose=true", true)]
    [InlineData("?verbose=TRUE", true)]
    [InlineData("?verbose=0", false)]
    [InlineData("?verbose=false", false)]
    [InlineData("?verbose=False", false)]
    public async Task Verbose_TrueOneAndTheBareFlagTurnItOn_FalseAndZeroOff(string query, bool on)
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready" + query + "&format=text");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal(
            on ? "[+]startup ok\n[+]availability ok\n[+]postgres ok\n[-]disk failed: reason withheld\nready check failed\n" : "Unhealthy\n",
            response.Body);
    }

    [Theory]
    [InlineData("?verbose=yes")]
    [InlineData("?verbose=no")]
    [InlineData("?verbose=on")]
    [InlineData("?verbose=2")]
    [InlineData("?verbose=%20")]
    [InlineData("?verbose=1&verbose=1")]
    public async Task Verbose_AnyOtherValue_Is400NamingTheAllowedValues_InJsonByDefault(string query)
    {
        await using var host = await Start();

        var json = await host.GetAsync("/health/ready" + query);
        var healthJson = await host.GetAsync("/health/ready" + query, HealthJson);
        var page = await host.GetAsync("/health" + query, Browser);

        foreach (var response in new[] { json, healthJson, page })
        {
            Assert.Equal(400, response.StatusCode);
            Assert.Equal("application/json", response.ContentType);
            Assert.Equal(
                "verbose must be 'true', '1' or empty (?verbose) to turn it on, or 'false' or '0' to turn it off",
                response.Json.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task Verbose_AnyOtherValue_IsAnsweredInText_WhenTheRequestAsksForText()
    {
        await using var host = await Start();

        var query = await host.GetAsync("/health/ready?verbose=no&format=text");
        var accept = await host.GetAsync("/health/live?verbose=yes", "text/plain");

        foreach (var response in new[] { query, accept })
        {
            Assert.Equal(400, response.StatusCode);
            Assert.Equal("text/plain", response.ContentType);
            Assert.Equal("error: verbose must be 'true', '1' or empty (?verbose) to turn it on, or 'false' or '0' to turn it off\n", response.Body);
        }
    }
}
