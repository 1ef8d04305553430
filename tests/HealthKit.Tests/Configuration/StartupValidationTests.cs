using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Configuration;

public sealed class StartupValidationTests
{
    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "HealthKit:PathPrefix", "health", "HealthKit:PathPrefix" },
        { "HealthKit:Endpoints:Ready:Deadline", "-00:00:01", "HealthKit:Endpoints:Ready:Deadline" },
        { "HealthKit:Endpoints:Ready:Deadline", "00:00:00", "HealthKit:Endpoints:Ready:Deadline" },
        { "HealthKit:Endpoints:Live:UnhealthyStatusCode", "42", "HealthKit:Endpoints:Live:UnhealthyStatusCode" },
        { "HealthKit:Endpoints:Live:Path", "ready", "HealthKit:Endpoints:Live:Path" },
        { "HealthKit:Endpoints:Live:Path", "a?b", "HealthKit:Endpoints:Live:Path" },
        { "HealthKit:Defaults:Timeout", "00:00:00", "HealthKit:Defaults:Timeout" },
        { "HealthKit:Defaults:Timeout", "00:00:30", "HealthKit:Defaults:Timeout" },
        { "HealthKit:Defaults:CacheTtl", "-00:00:01", "HealthKit:Defaults:CacheTtl" },
        { "HealthKit:Checks:disk:CacheTtl", "-00:00:01", "HealthKit:Checks:disk:CacheTtl" },
        { "HealthKit:Checks:disk:UnhealthyAfterFailures", "0", "HealthKit:Checks:disk:UnhealthyAfterFailures" },
        { "HealthKit:Checks:disk:Period", "00:00:00.010", "HealthKit:Checks:disk:Period" },
        { "HealthKit:Checks:dsik:CacheTtl", "00:00:05", "HealthKit:Checks:dsik" },
        { "HealthKit:Checks:disk:Degraded:MinimumFreeBytes", "-1", "HealthKit:Checks:disk:Degraded:MinimumFreeBytes" },
        { "HealthKit:Checks:disk:Unhealthy:MinimumFreePercent", "150", "HealthKit:Checks:disk:Unhealthy:MinimumFreePercent" },
        { "HealthKit:Checks:disk:Unhealthy:MinimumFreePercent", "20", "HealthKit:Checks:disk:Degraded:MinimumFreePercent" },
        { "HealthKit:Checks:disk:Paths:0", " ", "HealthKit:Checks:disk:Paths:0" },
        { "HealthKit:Checks:latency:Window", "00:00:00", "HealthKit:Checks:latency:Window" },
        { "HealthKit:Checks:latency:MinimumSamples", "0", "HealthKit:Checks:latency:MinimumSamples" },
        { "HealthKit:Checks:latency:Degraded:P99", "00:00:10", "HealthKit:Checks:latency:Degraded:P99" },
        { "HealthKit:Checks:latency:Unhealthy:P99", "-00:00:01", "HealthKit:Checks:latency:Unhealthy:P99" },
        { "HealthKit:Checks:database:Query", " ", "HealthKit:Checks:database:Query" },
        { "HealthKit:Checks:database:DegradedThreshold", "-00:00:01", "HealthKit:Checks:database:DegradedThreshold" },
        { "HealthKit:Endpoints:Ready:DetailLevel", "Everything", "HealthKit:Endpoints:Ready:DetailLevel" },
        { "HealthKit:Endpoints:Ready:Deadline", "soon", "HealthKit:Endpoints:Ready:Deadline" },
        { "HealthKit:Checks:database:Timout", "00:00:00.500", "HealthKit:Checks:database:Timout is not a HealthKit setting; did you mean 'Timeout'" },
        { "HealthKit:Checks:database:DegradedTreshold", "00:00:00.100", "did you mean 'DegradedThreshold'" },
        { "HealthKit:Checks:database:Qurey", "SELECT 2", "did you mean 'Query'" },
        { "HealthKit:Endpoints:Ready:Deadlin", "00:00:00.500", "HealthKit:Endpoints:Ready:Deadlin" },
        { "HealthKit:Checks:database:Timeout", "0.7s", "HealthKit:Checks:database:Timeout ('0.7s') is not valid; write a duration such as 00:00:00.700" },
        { "HealthKit:Checks:self:Timeout", "abc", "HealthKit:Checks:self:Timeout ('abc')" },
        { "HealthKit:Checks:disk:Degraded:MinimumFreePercent", "ten", "HealthKit:Checks:disk:Degraded:MinimumFreePercent ('ten')" },
        { "HealthKit:Checks:disk:Paths", "/data", "HealthKit:Checks:disk:Paths is a list" },
        { "HealthKit:Checks:self:Period", "60.00:00:00", "HealthKit:Checks:self:Period must be between 00:00:00.100 and 1.00:00:00" },
        { "HealthKit:Defaults:Period", "1.00:00:00.001", "HealthKit:Defaults:Period" },
        { "HealthKit:Defaults:CacheTtl", "2.00:00:00", "HealthKit:Defaults:CacheTtl must be at most 1.00:00:00" },
        { "HealthKit:Checks:disk:FailureCacheTtl", "2.00:00:00", "HealthKit:Checks:disk:FailureCacheTtl" },
        { "HealthKit:Checks:disk:UnhealthyAfterFailures", "1001", "HealthKit:Checks:disk:UnhealthyAfterFailures must be between 1 and 1000" },
        { "HealthKit:Checks:disk:UnhealthyAfterDuration", "1.00:00:01", "HealthKit:Checks:disk:UnhealthyAfterDuration" },
        { "HealthKit:Checks:latency:Window", "00:00:01.500", "HealthKit:Checks:latency:Window must be a whole number of seconds" },
        { "HealthKit:Checks:latency:Unhealthy:P99", "00:02:01", "HealthKit:Checks:latency:Unhealthy:P99 must be greater than zero and at most 00:02:00" },
        { "HealthKit:Checks:database:DegradedThreshold", "00:10:01", "HealthKit:Checks:database:DegradedThreshold" },
        { "HealthKit:PathPrefix", "//x", "HealthKit:PathPrefix ('//x') has an empty segment" },
        { "HealthKit:PathPrefix", "/health//x", "HealthKit:PathPrefix" },
        { "HealthKit:PathPrefix", "/health/", "HealthKit:PathPrefix ('/health/') must not end with '/'" },
        { "HealthKit:Endpoints:Live:Path", "a//b", "HealthKit:Endpoints:Live:Path ('a//b') has an empty segment" },
        { "HealthKit:Endpoints:Ready:Path", "//", "HealthKit:Endpoints:Ready:Path ('//') has an empty segment" },
        { "HealthKit:Endpoints:Ready:HealthyStatusCode", "204", "HealthKit:Endpoints:Ready:HealthyStatusCode is 204, a status code whose response cannot carry a body" },
        { "HealthKit:Endpoints:Health:DegradedStatusCode", "205", "HealthKit:Endpoints:Health:DegradedStatusCode is 205, a status code whose response cannot carry a body" },
        { "HealthKit:Endpoints:Live:UnhealthyStatusCode", "304", "HealthKit:Endpoints:Live:UnhealthyStatusCode is 304, a status code whose response cannot carry a body" },
        { "HealthKit:Endpoints:Live:HealthyStatusCode", "101", "HealthKit:Endpoints:Live:HealthyStatusCode must be an HTTP status code from 200 to 599" },
        { "HealthKit:History:Capacity", "2000", "HealthKit:History:Capacity (2000) must be between 0 (no history) and 1000" },
        { "HealthKit:History:Window", "8.00:00:00", "HealthKit:History:Window must be at least 00:00:01 and at most 7.00:00:00" },
        { "HealthKit:History:Capacty", "10", "HealthKit:History:Capacty is not a HealthKit setting; did you mean 'Capacity'" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task InvalidSetting_StopsStartup_NamingTheKey(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => StartSampleLike(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidSettings_Start()
    {
        await using var host = await StartSampleLike(new Dictionary<string, string?>
        {
            ["HealthKit:Checks:disk:CacheTtl"] = "00:00:05",
            ["HealthKit:Checks:disk:Unhealthy:MinimumFreeBytes"] = "1024",
            ["HealthKit:Checks:latency:Degraded:P95"] = "00:00:00.5",
        });

        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task AddHealthKitCheck_OwnOptions_AreKnownKeysUnderTheirCheck()
    {
        await using var host = await StartWithQueue(new Dictionary<string, string?>
        {
            ["HealthKit:Checks:queue:MaxBacklog"] = "500",
            ["HealthKit:Checks:queue:Timeout"] = "00:00:00.300",
        });
        Assert.Equal(500, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<QueueOptions>>().Get("queue").MaxBacklog);

        var misspelt = await Assert.ThrowsAnyAsync<Exception>(() => StartWithQueue(new Dictionary<string, string?> { ["HealthKit:Checks:queue:MaxBaklog"] = "500" }));
        Assert.Contains("HealthKit:Checks:queue:MaxBaklog is not a HealthKit setting; did you mean 'MaxBacklog'", misspelt.Message, StringComparison.Ordinal);

        var mistyped = await Assert.ThrowsAnyAsync<Exception>(() => StartWithQueue(new Dictionary<string, string?> { ["HealthKit:Checks:queue:MaxBacklog"] = "lots" }));
        Assert.Contains("HealthKit:Checks:queue:MaxBacklog ('lots') is not valid; write a whole number", mistyped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowConfigurationKeys_KeyReadByOtherCode_Starts()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["HealthKit:Checks:cache:Endpoint"] = "localhost:6379",
            ["HealthKit:Checks:cache:Endpoint:Retries"] = "3",
            ["HealthKit:Checks:cache:Timeout"] = "00:00:00.300",
        };

        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("cache", () => HealthCheckResult.Healthy())
                .AllowConfigurationKeys("cache", "Endpoint"),
            configuration: configuration);
        Assert.Equal(200, (await host.GetAsync("/health/checks/cache")).StatusCode);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("cache", () => HealthCheckResult.Healthy()),
            configuration: configuration));
        Assert.Contains("HealthKit:Checks:cache:Endpoint is not a HealthKit setting", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowConfigurationKeys(\"cache\", \"Endpoint\")", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Endpoint:Host")]
    public void AllowConfigurationKeys_KeyThatIsNotASingleSegment_Throws(string key)
    {
        var builder = WebApplication.CreateSlimBuilder();

        Assert.Throws<ArgumentException>(() => builder.Services.AddHealthKit().AllowConfigurationKeys("cache", key));
    }

    [Theory]
    [InlineData("HealthKit:Webhook:Url", "https://hook:S3cretT0ken@hooks.example.com:99999/health", "HealthKit:Webhook:Url ('https://hook:******@hooks.example.com:99...') is not valid")]
    [InlineData("HealthKit:Webhook:Url", "https://hooks.example.com:99999/health?token=S3cretT0ken", "HealthKit:Webhook:Url ('https://hooks.example.com:99999/health?t...') is not valid")]
    [InlineData("HealthKit:Webhook:Timeout", "Password=S3cretT0ken", "HealthKit:Webhook:Timeout ('Password=******') is not valid")]
    [InlineData("HealthKit:PathPrefix", "https://ops:S3cretT0ken@health", "HealthKit:PathPrefix ('https://ops:******@health') must start with '/'")]
    [InlineData("HealthKit:Endpoints:Ready:Path", "ready?token=S3cretT0ken", "HealthKit:Endpoints:Ready:Path ('ready?token=******') must not contain '?'")]
    public async Task InvalidSetting_HoldingACredential_StopsStartup_WithoutPrintingIt(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddWebhookListener(),
            configuration: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        const string Secret = "S3cretT0ken";
        for (var i = 0; i + 8 <= Secret.Length; i++)
        {
            Assert.DoesNotContain(Secret.Substring(i, 8), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DetailsPolicy_WithoutAuthorization_StopsStartup()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(b => b.Services.AddHealthKit(o => o.DetailsPolicy = "ops")));

        Assert.Contains("HealthKit:DetailsPolicy", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddAuthorization", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetailsPolicy_Undefined_StopsStartup()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(b =>
            {
                b.Services.AddAuthorization();
                b.Services.AddHealthKit(o => o.DetailsPolicy = "ops");
            }));

        Assert.Contains("'ops'", error.Message, StringComparison.Ordinal);
        Assert.Contains("not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuplicateCheckNames_StopStartup()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(b => b.Services.AddHealthKit()
                .AddCheck("db", () => HealthCheckResult.Healthy())
                .AddCheck("DB", () => HealthCheckResult.Healthy())));

        Assert.Contains("'DB'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseCheck_WithoutDataSource_StopsStartup()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(b => b.Services.AddHealthKit().AddDatabase()));

        Assert.Contains("needs a DbDataSource", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DatabaseCheck_MissingKeyedDataSource_NamesTheKey()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            TestHost.StartAsync(
                b => b.Services.AddHealthKit().AddDatabase(),
                configuration: new Dictionary<string, string?> { ["HealthKit:Checks:database:DataSourceKey"] = "orders" }));

        Assert.Contains("HealthKit:Checks:database:DataSourceKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapHealthKit_InvalidPrefixArgument_Throws()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddHealthKit();
        var app = builder.Build();

        Assert.Throws<ArgumentException>(() => app.MapHealthKit("healthz"));
    }

    private static Task<TestHost> StartWithQueue(IDictionary<string, string?> configuration) =>
        TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddHealthKitCheck<QueueOptions>("queue", null, (_, _) => new CountingCheck()),
            configuration: configuration);

    private sealed class QueueOptions : HealthKitCheckOptions
    {
        public QueueOptions()
            : base(HealthKitTags.Ready)
        {
        }

        public int MaxBacklog { get; set; } = 1000;
    }

    private static Task<TestHost> StartSampleLike(IDictionary<string, string?> configuration) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<System.Data.Common.DbDataSource>(new Database.FailingDataSource("unused"));
                b.Services.AddHealthKit().AddDiskSpace().AddResponseLatency().AddDatabase();
            },
            configuration: configuration);
}
