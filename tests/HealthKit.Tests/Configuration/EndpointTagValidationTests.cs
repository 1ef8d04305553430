using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Configuration;

/// <summary>An endpoint Tag that no registered check carries would empty the endpoint: it stops startup.</summary>
public sealed class EndpointTagValidationTests
{
    [Fact]
    public async Task EndpointTag_NoCheckCarriesIt_StopsStartupNamingKeyAndTags()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("db", () => HealthCheckResult.Healthy(), tags: ["ready", "db"]),
            configuration: new Dictionary<string, string?> { ["HealthKit:Endpoints:Ready:Tag"] = "raedy" }));

        Assert.Contains(
            "HealthKit:Endpoints:Ready:Tag is 'raedy', which no registered health check carries, so the endpoint would report Healthy whatever its dependencies do. Tags that exist (case-sensitive): db, live, ready, startup. Fix the tag, or set HealthKit:Endpoints:Ready:AllowEmpty to true",
            error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndpointTag_LifecycleTagOrAllowEmpty_Starts()
    {
        // "live" is carried only by the lifecycle check 'self'; AllowEmpty lets a tag no check carries yet through.
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Endpoints:Health:Tag"] = "live",
                ["HealthKit:Endpoints:Ready:Tag"] = "raedy",
                ["HealthKit:Endpoints:Ready:AllowEmpty"] = "true",
            });

        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(["self"], (await host.GetAsync("/health")).EntryNames);
    }
}
