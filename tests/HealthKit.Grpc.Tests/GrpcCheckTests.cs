using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using HealthKit.Grpc.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HealthKit.Grpc.Tests;

/// <summary>Check over HTTP/2 cleartext on a loopback socket, answered by the engine as the HTTP probes are.</summary>
public sealed class GrpcCheckTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// Checks with distinct answers per endpoint: liveness passes, readiness fails (so the empty name, readiness by
    /// default, fails too), startup passes once the host has started.
    /// </summary>
    private static void DistinctChecks(IHealthChecksBuilder checks) => checks
        .AddCheck("heart", () => HealthCheckResult.Healthy(), [HealthKitTags.Live])
        .AddCheck("db", () => HealthCheckResult.Unhealthy(), [HealthKitTags.Ready]);

    [Theory]
    [InlineData("", ServingStatus.NotServing)]
    [InlineData("readiness", ServingStatus.NotServing)]
    [InlineData("liveness", ServingStatus.Serving)]
    [InlineData("startup", ServingStatus.Serving)]
    [InlineData("heart", ServingStatus.Serving)]
    [InlineData("db", ServingStatus.NotServing)]
    [InlineData("DB", ServingStatus.NotServing)]
    [InlineData("orders", ServingStatus.Serving)]
    public async Task Check_EachMapping_AnswersItsEndpointOrCheck(string service, ServingStatus expected)
    {
        await using var server = await GrpcTestServer.StartAsync(
            DistinctChecks,
            new Dictionary<string, string?> { ["HealthKit:Grpc:Services:orders"] = "Live" });

        var response = await server.Client.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Cancel);

        Assert.Equal(expected, response.Status);
    }

    [Fact]
    public async Task Check_ServerEndpointConfigured_EmptyNameAnswersThatEndpoint()
    {
        await using var server = await GrpcTestServer.StartAsync(
            DistinctChecks,
            new Dictionary<string, string?> { ["HealthKit:Grpc:ServerEndpoint"] = "Live" });

        var response = await server.Client.CheckAsync(new HealthCheckRequest { Service = string.Empty }, cancellationToken: Cancel);

        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    [Theory]
    [InlineData(null, ServingStatus.Serving)]
    [InlineData("NotServing", ServingStatus.NotServing)]
    [InlineData("Serving", ServingStatus.Serving)]
    public async Task Check_DegradedCheck_MapsByDegradedStatus(string? degradedStatus, ServingStatus expected)
    {
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks.AddCheck("slow", () => HealthCheckResult.Degraded(), [HealthKitTags.Ready]),
            degradedStatus is null ? null : new Dictionary<string, string?> { ["HealthKit:Grpc:DegradedStatus"] = degradedStatus });

        Assert.Equal(expected, (await server.Client.CheckAsync(new HealthCheckRequest { Service = "readiness" }, cancellationToken: Cancel)).Status);
        Assert.Equal(expected, (await server.Client.CheckAsync(new HealthCheckRequest { Service = "slow" }, cancellationToken: Cancel)).Status);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("health")]
    [InlineData("readiness ")]
    public async Task Check_UnknownService_FailsWithNotFound(string service)
    {
        await using var server = await GrpcTestServer.StartAsync(DistinctChecks);

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await server.Client.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Cancel));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("unknown service", error.Status.Detail);
    }

    [Fact]
    public async Task Check_HungCheckIgnoringItsToken_AnswersNotServingWithinTheDeadline()
    {
        var deadline = TimeSpan.FromMilliseconds(500);
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks.AddCheck("stuck", new HungCheck(), tags: [HealthKitTags.Ready]),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Ready:Deadline"] = deadline.ToString() });

        var watch = Stopwatch.StartNew();
        var response = await server.Client.CheckAsync(new HealthCheckRequest { Service = "readiness" }, cancellationToken: Cancel);
        watch.Stop();

        Assert.Equal(ServingStatus.NotServing, response.Status);

        // The product promises the deadline; the slack covers a loaded two-core machine's scheduling and the round trip,
        // and is far below the 30 s a check nobody bounds would take to be cut off by anything else.
        Assert.InRange(watch.Elapsed, deadline - TimeSpan.FromMilliseconds(50), deadline + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Check_ClientDeadlineShorterThanTheEndpoints_EndsTheCallNotTheRun()
    {
        var check = new SwitchCheck(HealthStatus.Unhealthy) { Delay = TimeSpan.FromMilliseconds(400) };
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks.AddCheck("slow", check, tags: [HealthKitTags.Ready]),
            new Dictionary<string, string?> { ["HealthKit:Checks:slow:FailureCacheTtl"] = "00:05:00" });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await server.Client.CheckAsync(
            new HealthCheckRequest { Service = "readiness" }, deadline: DateTime.UtcNow.AddMilliseconds(50), cancellationToken: Cancel));
        var after = await server.Client.CheckAsync(new HealthCheckRequest { Service = "readiness" }, cancellationToken: Cancel);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Equal(ServingStatus.NotServing, after.Status);
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task Check_ThousandConcurrentCalls_RunTheCheckOnce()
    {
        var check = new SwitchCheck { Delay = TimeSpan.FromMilliseconds(300) };
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks.AddCheck("counted", check, tags: [HealthKitTags.Ready]),
            new Dictionary<string, string?>
            {
                // Calls still arriving after the run ends, on a loaded machine, are answered from its cached result.
                ["HealthKit:Checks:counted:CacheTtl"] = "00:05:00",
            });

        var calls = Enumerable.Range(0, 1000)
            .Select(_ => server.Client.CheckAsync(new HealthCheckRequest { Service = "readiness" }, cancellationToken: Cancel).ResponseAsync);
        var responses = await Task.WhenAll(calls);

        Assert.Equal(1000, responses.Count(response => response.Status == ServingStatus.Serving));
        Assert.Equal(1, check.Runs);
    }

    [Theory]
    [InlineData("leaky")]
    [InlineData("readiness")]
    [InlineData("")]
    public async Task Check_FailingCheckWithSecret_AnswersOnlyAStatus(string service)
    {
        const string Secret = "hunter2-s3cr3t";
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks
                .AddCheck("leaky", () => throw new InvalidOperationException($"Password={Secret} rejected by db.internal"), [HealthKitTags.Ready])
                .AddCheck("described", () => HealthCheckResult.Unhealthy($"token {Secret}", new InvalidOperationException(Secret), new Dictionary<string, object> { ["secret"] = Secret }), [HealthKitTags.Ready]),
            new Dictionary<string, string?>
            {
                // Even where the HTTP endpoints would show every detail to an authorized caller.
                ["HealthKit:IncludeExceptionDetails"] = "true",
                ["HealthKit:Endpoints:Ready:DetailLevel"] = "Full",
            });

        using var call = server.Client.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: Cancel);
        var response = await call.ResponseAsync;
        var headers = await call.ResponseHeadersAsync;
        var trailers = call.GetTrailers();

        Assert.Equal(ServingStatus.NotServing, response.Status);
        Assert.Equal("{ \"status\": \"NOT_SERVING\" }", response.ToString());
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal(string.Empty, call.GetStatus().Detail);
        var metadata = headers.Concat(trailers).Select(entry => $"{entry.Key}={entry.Value}").ToList();
        Assert.DoesNotContain(metadata, entry => entry.Contains(Secret, StringComparison.Ordinal) || entry.Contains("Password", StringComparison.OrdinalIgnoreCase) || entry.Contains("Exception", StringComparison.Ordinal));
        Assert.Empty(trailers);
    }
}
