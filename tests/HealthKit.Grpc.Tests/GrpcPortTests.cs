using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using HealthKit.Grpc.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HealthKit.Grpc.Tests;

/// <summary>
/// The layout docs/grpc.md recommends: the HTTP endpoints on an HTTP/1.1 port, the gRPC service on an HTTP/2 port of its
/// own, both answered by the same engine.
/// </summary>
public sealed class GrpcPortTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoPorts_HttpProbeAndGrpcCheck_ShareOneRun()
    {
        var check = new SwitchCheck(HealthStatus.Unhealthy);
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks.AddCheck("db", check, tags: [HealthKitTags.Ready]),
            new Dictionary<string, string?> { ["HealthKit:Checks:db:FailureCacheTtl"] = "00:05:00" },
            http1Listener: true);
        using var http = new HttpClient { BaseAddress = server.Http1Address, Timeout = TimeSpan.FromSeconds(30) };

        using var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), Cancel);
        var grpc = await server.Client.CheckAsync(new HealthCheckRequest { Service = "readiness" }, cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(ServingStatus.NotServing, grpc.Status);
        Assert.Equal(1, check.Runs);
    }

    [Fact]
    public async Task Http1Port_GrpcCall_FailsRatherThanAnswering()
    {
        await using var server = await GrpcTestServer.StartAsync(_ => { }, http1Listener: true);
        using var channel = GrpcChannel.ForAddress(server.Http1Address!);
        var client = new Health.HealthClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await client.CheckAsync(new HealthCheckRequest { Service = "readiness" }, cancellationToken: Cancel));

        // The HTTP/1.1 listener does not speak HTTP/2 at all: the client sees a protocol error, never a status.
        Assert.Contains(error.StatusCode, new[] { StatusCode.Internal, StatusCode.Unavailable });
    }
}
