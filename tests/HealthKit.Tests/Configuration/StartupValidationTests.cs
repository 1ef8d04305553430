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

    private static Task<TestHost> StartSampleLike(IDictionary<string, string?> configuration) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<System.Data.Common.DbDataSource>(new Database.FailingDataSource("unused"));
                b.Services.AddHealthKit().AddDiskSpace().AddResponseLatency().AddDatabase();
            },
            configuration: configuration);
}
