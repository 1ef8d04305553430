using System.Globalization;
using System.Text.Json;
using HealthKit.HealthJson;
using HealthKit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.HealthJson;

public sealed class HealthJsonTests
{
    private const string HealthJson = "application/health+json";
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 20, 49, 41, 500, TimeSpan.FromHours(2));

    /// <summary>A check whose answer the test sets; tagged ready.</summary>
    private sealed class Switch
    {
        public HealthCheckResult Result { get; set; } = HealthCheckResult.Healthy("all good", new Dictionary<string, object> { ["depth"] = 42 });
    }

    private static Task<TestHost> StartApp(FakeTimeProvider time, Switch dependency, Dictionary<string, string?>? configuration = null) =>
        TestHost.StartAsync(
            builder =>
            {
                builder.Services.AddSingleton<TimeProvider>(time);
                builder.Services.AddHealthKit()
                    .AddDatabase("database", options => options.DataSource = SqliteFactory.Instance.CreateDataSource("Data Source=:memory:"))
                    .AddDiskSpace()
                    .AddResponseLatency()
                    .AddCheck("dep", () => dependency.Result, [HealthKitTags.Ready]);
            },
            configuration: configuration);

    private static Dictionary<string, string?> Full(params (string Key, string? Value)[] more)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["HealthKit:Endpoints:Health:DetailLevel"] = "Full",
            ["HealthKit:HealthJson:ServiceId"] = "orders",
            ["HealthKit:HealthJson:Version"] = "2.1.0",
            ["HealthKit:HealthJson:ReleaseId"] = "2.1.0+5f3c2e1",
            ["HealthKit:HealthJson:Description"] = "Orders API",
        };
        foreach (var (key, value) in more)
        {
            configuration[key] = value;
        }

        return configuration;
    }

    [Fact]
    public async Task Health_AcceptHealthJsonAtComponents_ChecksKeyedByMeasurementWithStatusTypeAndTimeOnly()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await StartApp(time, new Switch());

        var response = await host.GetAsync("/health", HealthJson);

        HealthJsonSchema.AssertValid(response.Body);
        Assert.Equal(200, response.StatusCode);
        Assert.Equal(HealthJson, response.ContentType);
        Assert.Equal("no-store, no-cache", response.CacheControl);
        var json = response.Json;
        Assert.Equal("pass", json.GetProperty("status").GetString());
        var checks = json.GetProperty("checks");
        Assert.Equal(
            ["availability", "database:responseTime", "dep", "disk:utilization", "latency:responseTime", "self", "startup"],
            checks.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var types = checks.EnumerateObject().ToDictionary(p => p.Name, p => p.Value[0].GetProperty("componentType").GetString());
        Assert.Equal("datastore", types["database:responseTime"]);
        Assert.Equal("system", types["disk:utilization"]);
        Assert.Equal("component", types["latency:responseTime"]);
        Assert.Equal("component", types["dep"]);
        Assert.Equal("system", types["self"]);
        foreach (var check in checks.EnumerateObject())
        {
            var observation = Assert.Single(check.Value.EnumerateArray());
            Assert.Equal(["componentType", "status", "time"], observation.EnumerateObject().Select(p => p.Name));
            Assert.Equal("pass", observation.GetProperty("status").GetString());
            Assert.Equal("2026-11-24T18:49:41.5Z", observation.GetProperty("time").GetString());
        }

        // The service's identity is shown wherever components are.
        Assert.Equal("HealthKit.Tests", json.GetProperty("serviceId").GetString());
    }

    [Fact]
    public async Task Health_AcceptHealthJsonAtFull_ObservedValuesAreTheChecksMeasurements()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await StartApp(time, new Switch(), Full());

        // The clock stands still, so both answers read the same cached results.
        var plain = await host.GetAsync("/health");
        var response = await host.GetAsync("/health", HealthJson);

        HealthJsonSchema.AssertValid(response.Body);
        var json = response.Json;
        Assert.Equal("orders", json.GetProperty("serviceId").GetString());
        Assert.Equal("2.1.0", json.GetProperty("version").GetString());
        Assert.Equal("2.1.0+5f3c2e1", json.GetProperty("releaseId").GetString());
        Assert.Equal("Orders API", json.GetProperty("description").GetString());

        var disk = plain.Entry("disk").GetProperty("data").EnumerateObject().Single();
        var utilization = Assert.Single(json.GetProperty("checks").GetProperty("disk:utilization").EnumerateArray());
        Assert.Equal(disk.Name, utilization.GetProperty("componentId").GetString());
        Assert.Equal(Math.Round(100 - disk.Value.GetProperty("freePercent").GetDouble(), 2), utilization.GetProperty("observedValue").GetDouble());
        Assert.Equal("percent", utilization.GetProperty("observedUnit").GetString());

        var database = Assert.Single(json.GetProperty("checks").GetProperty("database:responseTime").EnumerateArray());
        Assert.Equal("database", database.GetProperty("componentId").GetString());
        Assert.Equal(plain.Entry("database").GetProperty("data").GetProperty("roundTripMs").GetDouble(), database.GetProperty("observedValue").GetDouble());
        Assert.Equal("ms", database.GetProperty("observedUnit").GetString());

        // "time" is when the result was produced, as the ordinary JSON's producedAt says, in UTC.
        var producedAt = DateTimeOffset.Parse(plain.Entry("database").GetProperty("producedAt").GetString()!, CultureInfo.InvariantCulture);
        var observedAt = database.GetProperty("time").GetString()!;
        Assert.EndsWith("Z", observedAt, StringComparison.Ordinal);
        Assert.Equal(producedAt, DateTimeOffset.Parse(observedAt, CultureInfo.InvariantCulture));

        // A check without a measurement is keyed by its name and observes nothing; nothing passing carries output.
        var dep = Assert.Single(json.GetProperty("checks").GetProperty("dep").EnumerateArray());
        Assert.False(dep.TryGetProperty("observedValue", out _));
        Assert.DoesNotContain("\"output\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Endpoints_DegradedThenUnhealthy_WarnAnswers2xxFailAnswers5xx_OutputOnlyAtFull()
    {
        var time = new FakeTimeProvider(Start);
        var dependency = new Switch { Result = HealthCheckResult.Degraded("queue is backing up") };
        await using var host = await StartApp(time, dependency, Full());

        var full = await host.GetAsync("/health", HealthJson);
        var ready = await host.GetAsync("/health/ready", HealthJson);
        var verbose = await host.GetAsync("/health/ready?verbose", HealthJson);
        var single = await host.GetAsync("/health/checks/dep", HealthJson);
        foreach (var response in new[] { full, ready, verbose, single })
        {
            HealthJsonSchema.AssertValid(response.Body);
            Assert.Equal(200, response.StatusCode);
            Assert.Equal("warn", response.Json.GetProperty("status").GetString());
        }

        Assert.Equal("""{"status":"warn"}""", ready.Body);
        Assert.Equal("queue is backing up", full.Json.GetProperty("checks").GetProperty("dep")[0].GetProperty("output").GetString());
        Assert.Equal("queue is backing up", single.Json.GetProperty("checks").GetProperty("dep")[0].GetProperty("output").GetString());
        Assert.Equal(["dep"], single.Json.GetProperty("checks").EnumerateObject().Select(p => p.Name));
        var atComponents = verbose.Json.GetProperty("checks").GetProperty("dep")[0];
        Assert.Equal("warn", atComponents.GetProperty("status").GetString());
        Assert.False(atComponents.TryGetProperty("output", out _));

        dependency.Result = HealthCheckResult.Unhealthy("queue is gone");
        time.Advance(TimeSpan.FromSeconds(5));
        full = await host.GetAsync("/health", HealthJson);
        ready = await host.GetAsync("/health/ready", HealthJson);
        single = await host.GetAsync("/health/checks/dep", HealthJson);
        foreach (var response in new[] { full, ready, single })
        {
            HealthJsonSchema.AssertValid(response.Body);
            Assert.Equal(503, response.StatusCode);
            Assert.Equal(HealthJson, response.ContentType);
            Assert.Equal("fail", response.Json.GetProperty("status").GetString());
        }

        var failed = full.Json.GetProperty("checks").GetProperty("dep")[0];
        Assert.Equal("queue is gone", failed.GetProperty("output").GetString());
        Assert.Equal("2026-11-24T18:49:46.5Z", failed.GetProperty("time").GetString());
        Assert.Equal("""{"status":"fail"}""", ready.Body);
    }

    [Fact]
    public async Task Endpoints_StatusCodesConfiguredAgainstTheDraft_StatusAndCodeNeverContradict()
    {
        var time = new FakeTimeProvider(Start);
        var dependency = new Switch { Result = HealthCheckResult.Degraded("slow") };
        await using var host = await StartApp(time, dependency, Full(
            ("HealthKit:Endpoints:Health:DegradedStatusCode", "503"),
            ("HealthKit:Endpoints:Ready:UnhealthyStatusCode", "200")));

        // Degraded configured as 503 on /health: the caller must see a failure, so the report says fail.
        var degraded = await host.GetAsync("/health", HealthJson);
        HealthJsonSchema.AssertValid(degraded.Body);
        Assert.Equal(503, degraded.StatusCode);
        Assert.Equal("fail", degraded.Json.GetProperty("status").GetString());
        Assert.Equal("warn", degraded.Json.GetProperty("checks").GetProperty("dep")[0].GetProperty("status").GetString());

        // Unhealthy configured as 200 on /health/ready: ordinary JSON keeps 200, health+json answers fail with 503.
        dependency.Result = HealthCheckResult.Unhealthy("down");
        time.Advance(TimeSpan.FromSeconds(5));
        var plain = await host.GetAsync("/health/ready");
        var failed = await host.GetAsync("/health/ready", HealthJson);
        Assert.Equal(200, plain.StatusCode);
        Assert.Equal(503, failed.StatusCode);
        Assert.Equal("""{"status":"fail"}""", failed.Body);
    }

    [Theory]
    [InlineData("*/*", "", "application/json")]
    [InlineData("application/json", "", "application/json")]
    [InlineData("application/health+json;q=0", "", "application/json")]
    [InlineData("application/json, application/health+json;q=0.5", "", "application/json")]
    [InlineData("application/health+json", "?format=json", "application/json")]
    [InlineData("application/health+json", "?format=text", "text/plain")]
    [InlineData("application/health+json;q=0.5, application/json;q=0.4", "", HealthJson)]
    [InlineData("application/problem+json, APPLICATION/HEALTH+JSON", "", HealthJson)]
    [InlineData("application/health+json", "?exclude=dep", HealthJson)]
    public async Task Health_Accept_ChoosesHealthJsonOnlyWhenAskedFor(string accept, string query, string expected)
    {
        await using var host = await StartApp(new FakeTimeProvider(Start), new Switch());

        var response = await host.GetAsync("/health" + query, accept);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(expected, response.ContentType);
        if (expected == HealthJson)
        {
            HealthJsonSchema.AssertValid(response.Body);
        }
    }

    [Fact]
    public async Task Health_ExcludedCheck_IsANoteAndNotACheck()
    {
        await using var host = await StartApp(new FakeTimeProvider(Start), new Switch());

        var response = await host.GetAsync("/health/ready?exclude=dep&exclude=nope", HealthJson);

        HealthJsonSchema.AssertValid(response.Body);
        Assert.Equal(
            ["excluded: dep", "cannot exclude 'nope': this endpoint runs no check of that name"],
            response.Json.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task Head_AcceptHealthJson_HeadersOnly()
    {
        await using var host = await StartApp(new FakeTimeProvider(Start), new Switch());
        using var request = new HttpRequestMessage(HttpMethod.Head, "/health/ready");
        request.Headers.TryAddWithoutValidation("Accept", HealthJson);

        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(HealthJson, response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Health_HealthJsonDisabled_AnswersOrdinaryJson()
    {
        await using var host = await StartApp(new FakeTimeProvider(Start), new Switch(), Full(("HealthKit:HealthJson:Enabled", "false")));

        var response = await host.GetAsync("/health", HealthJson);

        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("Healthy", response.Status);
    }

    [Fact]
    public async Task Health_MeasurementFromConfiguration_ReportsTheConfiguredDataKey()
    {
        await using var host = await StartApp(new FakeTimeProvider(Start), new Switch(), Full(
            ("HealthKit:HealthJson:Measurements:dep:Name", "depth"),
            ("HealthKit:HealthJson:Measurements:dep:Unit", "messages"),
            ("HealthKit:HealthJson:Measurements:dep:DataKey", "depth"),
            ("HealthKit:HealthJson:Measurements:dep:ComponentType", "datastore")));

        var response = await host.GetAsync("/health/checks/dep", HealthJson);

        HealthJsonSchema.AssertValid(response.Body);
        var observation = Assert.Single(response.Json.GetProperty("checks").GetProperty("dep:depth").EnumerateArray());
        Assert.Equal(42, observation.GetProperty("observedValue").GetDouble());
        Assert.Equal("messages", observation.GetProperty("observedUnit").GetString());
        Assert.Equal("datastore", observation.GetProperty("componentType").GetString());
    }

    [Theory]
    [InlineData("HealthKit:HealthJson:Measurements:nope:Name", "depth", "HealthKit:HealthJson:Measurements:nope names no registered health check")]
    [InlineData("HealthKit:HealthJson:Measurements:dep:Unit", "ms", "HealthKit:HealthJson:Measurements:dep:Name must be set")]
    [InlineData("HealthKit:HealthJson:Measurements:dep:Name", "a:b", "HealthKit:HealthJson:Measurements:dep:Name must be set, without ':'")]
    [InlineData("HealthKit:HealthJson:Versoin", "1", "HealthKit:HealthJson:Versoin is not a HealthKit setting; did you mean 'Version'")]
    [InlineData("HealthKit:HealthJson:Enabled", "sometimes", "HealthKit:HealthJson:Enabled ('sometimes') is not valid")]
    public async Task Startup_HealthJsonMisconfigured_FailsNamingTheKey(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartApp(new FakeTimeProvider(Start), new Switch(), new() { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.4.0+5f3c2e1", null, null, "1.4.0", "1.4.0+5f3c2e1")]
    [InlineData("1.4.0", null, null, "1.4.0", null)]
    [InlineData("1.4.0+5f3c2e1", "2", "r-17", "2", "r-17")]
    [InlineData(null, null, null, null, null)]
    public void Identity_FromInformationalVersionAndOptions(string? informational, string? version, string? releaseId, string? expectedVersion, string? expectedRelease)
    {
        var options = new HealthJsonOptions { Version = version, ReleaseId = releaseId };

        var identity = new HealthJsonIdentity(options, "Orders.Api", informational);

        Assert.Equal(expectedVersion, identity.Version);
        Assert.Equal(expectedRelease, identity.ReleaseId);
        Assert.Equal("Orders.Api", identity.ServiceId);
    }

    [Fact]
    public void Schema_RejectsWhatTheDraftForbids()
    {
        // The schema must be able to fail, or validating against it proves nothing.
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"ok"}"""));
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"pass","output":"x"}"""));
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"pass","checks":{"db:responseTime":[{"status":"pass","output":"x"}]}}"""));
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"pass","checks":{"db:responseTime":[{"status":"pass","observedUnit":"ms"}]}}"""));
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"pass","checks":{"db:responseTime":[{"status":"pass","time":"yesterday"}]}}"""));
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"pass","checks":{"db":[]}}"""));
        Assert.NotEmpty(HealthJsonSchema.Problems("""{"status":"pass","entries":{}}"""));
        Assert.Empty(HealthJsonSchema.Problems("""{"status":"warn","checks":{"db:responseTime":[{"componentType":"datastore","observedValue":12.5,"observedUnit":"ms","status":"warn","time":"2026-11-24T18:49:41.5000000Z","output":"slow"}]}}"""));
    }

    [Fact]
    public void Schema_IsPlainJson()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "health+json.schema.json")));
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
    }
}
