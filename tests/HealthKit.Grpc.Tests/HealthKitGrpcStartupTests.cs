using HealthKit.Grpc.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit.Grpc.Tests;

/// <summary>Mappings that cannot all be answered stop the application at startup, naming the key or the check.</summary>
public sealed class HealthKitGrpcStartupTests
{
    [Theory]
    [InlineData("liveness")]
    [InlineData("readiness")]
    [InlineData("Readiness")]
    public async Task Start_CheckTakesReservedName_FailsNamingIt(string name)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GrpcTestServer.StartAsync(
            checks => checks.AddCheck(name, () => HealthCheckResult.Healthy())));

        Assert.Contains($"A health check is registered with the name '{name}', which HealthKit.Grpc reserves", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HealthKit:Grpc:Services:orders", "Redy", "The configuration key 'HealthKit:Grpc:Services:orders' ('Redy') names no endpoint; use Health, Live, Ready or Startup.")]
    [InlineData("HealthKit:Grpc:ServerEndpoint", "Nope", "The configuration key 'HealthKit:Grpc:ServerEndpoint' ('Nope') names no endpoint")]
    [InlineData("HealthKit:Grpc:Services:readiness", "Live", "The configuration key 'HealthKit:Grpc:Services:readiness' sets the reserved service name 'readiness'")]
    [InlineData("HealthKit:Grpc:Services:db", "Ready", "The configuration key 'HealthKit:Grpc:Services:db' maps the service name 'db', which is also the name of a registered health check")]
    [InlineData("HealthKit:Grpc:DegradedStatus", "ServiceUnknown", "The configuration key 'HealthKit:Grpc:DegradedStatus' (ServiceUnknown) must be Serving or NotServing.")]
    [InlineData("HealthKit:Grpc:DegradedStatu", "Serving", "HealthKit:Grpc:DegradedStatu is not a HealthKit setting; did you mean 'DegradedStatus'")]
    public async Task Start_BadSetting_FailsNamingTheKey(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GrpcTestServer.StartAsync(
            checks => checks.AddCheck("db", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready]),
            new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ServiceMappedToDisabledEndpoint_FailsNamingBothKeys()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => GrpcTestServer.StartAsync(
            _ => { },
            new Dictionary<string, string?> { ["HealthKit:Grpc:Services:boot"] = "Startup", ["HealthKit:Endpoints:Startup:Enabled"] = "false" }));

        Assert.Contains("'HealthKit:Grpc:Services:boot' names the Startup endpoint, which is disabled (HealthKit:Endpoints:Startup:Enabled)", error.Message, StringComparison.Ordinal);
    }
}
