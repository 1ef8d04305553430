using System.Diagnostics;
using Grpc.Core;
using Grpc.Health.V1;
using HealthKit.Engine;
using HealthKit.Grpc.Internal;
using HealthKit.Grpc.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HealthKit.Grpc.Tests;

/// <summary>Watch over HTTP/2 cleartext on a loopback socket: following changes, unknown names and the shutdown.</summary>
public sealed class GrpcWatchTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Every Check of the check runs it, so each one publishes the status the test has just set.</summary>
    private static readonly Dictionary<string, string?> Uncached = new()
    {
        ["HealthKit:Checks:flappy:CacheTtl"] = "00:00:00",
        ["HealthKit:Checks:flappy:FailureCacheTtl"] = "00:00:00",
    };

    [Theory]
    [InlineData("readiness")]
    [InlineData("")]
    [InlineData("flappy")]
    public async Task Watch_FlappingCheck_FollowsItAndEndsOnTheCurrentStatus(string service)
    {
        var check = new SwitchCheck();
        await using var server = await GrpcTestServer.StartAsync(checks => checks.AddCheck("flappy", check, tags: [HealthKitTags.Ready]), Uncached);
        await using var watch = WatchRecorder.Start(server.Client, service);
        await watch.LastIsAsync(ServingStatus.Serving);

        // Step by step, each change reaches the stream.
        await SetAsync(server, check, HealthStatus.Unhealthy);
        await watch.LastIsAsync(ServingStatus.NotServing);
        await SetAsync(server, check, HealthStatus.Healthy);
        await watch.LastIsAsync(ServingStatus.Serving);

        // Then as fast as probes can drive it: the stream may skip states, never end on a stale one.
        for (var i = 0; i < 40; i++)
        {
            await SetAsync(server, check, i % 2 == 0 ? HealthStatus.Unhealthy : HealthStatus.Healthy);
        }

        await SetAsync(server, check, HealthStatus.Unhealthy);
        await watch.LastIsAsync(ServingStatus.NotServing);
        await Task.Delay(TimeSpan.FromMilliseconds(300), Cancel);

        var messages = watch.Messages;
        Assert.Equal(ServingStatus.NotServing, messages[^1]);
        Assert.Equal(HealthStatus.Unhealthy, CurrentStatus(server, service));
        Assert.Equal(ServingStatus.Serving, messages[0]);
        // One message per change at most: the first, two steps, forty flips and the last.
        Assert.InRange(messages.Count, 4, 44);

        // A message only when the status changes.
        for (var i = 1; i < messages.Count; i++)
        {
            Assert.NotEqual(messages[i - 1], messages[i]);
        }
    }

    [Fact]
    public async Task Watch_NothingRunYet_FirstMessageIsAStatusNotUnknown()
    {
        await using var server = await GrpcTestServer.StartAsync(checks => checks.AddCheck("db", () => HealthCheckResult.Unhealthy(), [HealthKitTags.Ready]));
        await using var watch = WatchRecorder.Start(server.Client, "db");

        await Eventually.WaitUntilAsync(() => watch.Messages.Count > 0, TimeSpan.FromSeconds(20));

        Assert.Equal(ServingStatus.NotServing, watch.Messages[0]);
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("health")]
    public async Task Watch_UnknownService_GetsServiceUnknownAndStaysOpen(string service)
    {
        await using var server = await GrpcTestServer.StartAsync(_ => { });
        await using var watch = WatchRecorder.Start(server.Client, service);

        await watch.LastIsAsync(ServingStatus.ServiceUnknown);
        await Task.Delay(TimeSpan.FromMilliseconds(200), Cancel);

        Assert.Equal([ServingStatus.ServiceUnknown], watch.Messages);
        Assert.False(watch.Completion.IsCompleted);
    }

    [Fact]
    public async Task Watch_Shutdown_NotServingDuringTheDrainThenCompletes()
    {
        var drain = TimeSpan.FromSeconds(4);
        await using var server = await GrpcTestServer.StartAsync(
            checks => checks.AddCheck("db", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready]),
            new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = drain.ToString() });
        string[] services = ["", "readiness", "liveness", "db"];
        var watches = services.Select(service => WatchRecorder.Start(server.Client, service)).ToList();
        try
        {
            foreach (var watch in watches)
            {
                await watch.LastIsAsync(ServingStatus.Serving);
            }

            var stopwatch = Stopwatch.StartNew();
            var stop = server.App.StopAsync(CancellationToken.None);

            // Told at once, while the server still serves (the drain holds the stop), whatever the service.
            foreach (var watch in watches)
            {
                await watch.LastIsAsync(ServingStatus.NotServing);
            }

            Assert.False(stop.IsCompleted);
            Assert.Equal(HealthStatus.Unhealthy, CurrentStatus(server, "readiness"));

            // Then ended cleanly when the drain is over, so the open streams do not hold the stop to the host's timeout.
            foreach (var watch in watches)
            {
                await watch.Completion.WaitAsync(TimeSpan.FromSeconds(20), Cancel);
                Assert.Equal(StatusCode.OK, watch.Status.StatusCode);
                Assert.Equal([ServingStatus.Serving, ServingStatus.NotServing], watch.Messages);
            }

            await stop.WaitAsync(TimeSpan.FromSeconds(20), Cancel);
            Assert.InRange(stopwatch.Elapsed, drain - TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(20));
        }
        finally
        {
            foreach (var watch in watches)
            {
                await watch.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Watch_ClientLeaves_StreamIsReleased()
    {
        await using var server = await GrpcTestServer.StartAsync(_ => { });
        var lifetime = server.Services.GetRequiredService<GrpcWatchLifetime>();
        var watches = Enumerable.Range(0, 20).Select(_ => WatchRecorder.Start(server.Client, "readiness")).ToList();
        foreach (var watch in watches)
        {
            await watch.LastIsAsync(ServingStatus.Serving);
        }

        Assert.Equal(20, lifetime.Watches);
        foreach (var watch in watches)
        {
            await watch.DisposeAsync();
        }

        await Eventually.WaitUntilAsync(() => lifetime.Watches == 0, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Watch_StartAndEnd_LoggedWithFixedEventIds()
    {
        var logs = new TestLogSink();
        await using var server = await GrpcTestServer.StartAsync(_ => { }, logs: logs);
        var watch = WatchRecorder.Start(server.Client, "liveness");
        await watch.LastIsAsync(ServingStatus.Serving);
        await watch.DisposeAsync();
        await Assert.ThrowsAsync<RpcException>(async () => await server.Client.CheckAsync(new HealthCheckRequest { Service = "no\nsuch" }, cancellationToken: Cancel));

        await Eventually.WaitUntilAsync(() => logs.ForEvent(131, "HealthKitGrpcWatchEnded").Any(), TimeSpan.FromSeconds(20));
        Assert.Contains("service 'liveness' (Live) started; 1 open", Assert.Single(logs.ForEvent(130, "HealthKitGrpcWatchStarted")).Message, StringComparison.Ordinal);
        Assert.Contains("ended (the client left) after 1 messages; 0 open", Assert.Single(logs.ForEvent(131, "HealthKitGrpcWatchEnded")).Message, StringComparison.Ordinal);
        var unknown = Assert.Single(logs.ForEvent(132, "HealthKitGrpcUnknownService"));
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, unknown.Level);
        Assert.DoesNotContain("\n", unknown.Message, StringComparison.Ordinal);
    }

    private static async Task SetAsync(GrpcTestServer server, SwitchCheck check, HealthStatus status)
    {
        check.Status = status;
        var response = await server.Client.CheckAsync(new HealthCheckRequest { Service = "flappy" }, cancellationToken: Cancel);
        Assert.Equal(status == HealthStatus.Healthy ? ServingStatus.Serving : ServingStatus.NotServing, response.Status);
    }

    /// <summary>The status the engine keeps for what <paramref name="service"/> reports.</summary>
    private static HealthStatus? CurrentStatus(GrpcTestServer server, string service) =>
        server.Services.GetRequiredService<GrpcHealthMap>().Find(service)!.Current(server.Services.GetRequiredService<HealthEngine>().Endpoints);
}
