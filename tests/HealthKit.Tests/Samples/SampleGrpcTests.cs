using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Lifecycle;
using YamlDotNet.RepresentationModel;

namespace HealthKit.Tests.Samples;

/// <summary>
/// samples/kubernetes/deployment-grpc.yaml and the web sample's management port: the manifest's gRPC probes ask the port
/// and the services the sample serves, and the sample, run as a real process with the manifest's settings, answers them.
/// </summary>
public sealed class SampleGrpcTests
{
    private const string Manifest = "deployment-grpc.yaml";

    [Fact]
    public void Manifest_GrpcProbesAskTheHttp2PortForLivenessAndReadiness_StartupAsksTheProbePort()
    {
        var container = KubernetesManifestTests.Container(Manifest);
        var environment = ((YamlSequenceNode)container.Children[new YamlScalarNode("env")]).Children.Cast<YamlMappingNode>()
            .ToDictionary(e => KubernetesManifestTests.Text(e, "name"), e => KubernetesManifestTests.Text(e, "value"), StringComparer.Ordinal);
        var probePort = PortOf(environment["HealthKit__ProbeServer__Urls"]);
        var grpcPort = PortOf(environment["HealthKit__ProbeServer__Http2Urls"]);
        var ports = ((YamlSequenceNode)container.Children[new YamlScalarNode("ports")]).Children.Cast<YamlMappingNode>()
            .ToDictionary(p => KubernetesManifestTests.Text(p, "name"), p => KubernetesManifestTests.Number(p, "containerPort"), StringComparer.Ordinal);

        Assert.NotEqual(probePort, grpcPort);
        Assert.Equal(PortOf(environment["ASPNETCORE_URLS"]), ports["http"]);
        Assert.Equal(probePort, ports["probes"]);
        Assert.Equal(grpcPort, ports["grpc-health"]);

        foreach (var (probe, service) in new[] { ("livenessProbe", "liveness"), ("readinessProbe", "readiness") })
        {
            var grpc = KubernetesManifestTests.Map(KubernetesManifestTests.Map(container, probe), "grpc");
            Assert.Equal(grpcPort, KubernetesManifestTests.Number(grpc, "port"));
            Assert.Equal(service, KubernetesManifestTests.Text(grpc, "service"));
        }

        var startup = KubernetesManifestTests.Map(KubernetesManifestTests.Map(container, "startupProbe"), "httpGet");
        Assert.Equal("/health/startup", KubernetesManifestTests.Text(startup, "path"));
        Assert.Equal("probes", KubernetesManifestTests.Text(startup, "port"));

        // The kubelet's timeout must exceed the endpoints' deadline, as for the HTTP probes.
        var endpoints = new HealthKitOptions().Endpoints;
        foreach (var (probe, endpoint) in new[] { ("startupProbe", endpoints.Startup), ("livenessProbe", endpoints.Live), ("readinessProbe", endpoints.Ready) })
        {
            Assert.True(
                TimeSpan.FromSeconds(KubernetesManifestTests.Number(KubernetesManifestTests.Map(container, probe), "timeoutSeconds")) > endpoint.Deadline,
                probe);
        }
    }

    [Fact]
    public async Task Sample_WithTheManifestsSettings_AnswersGrpcOnItsHttp2Port_HttpOnTheProbePort_AndNotOnItsOwnListener()
    {
        var probePort = LoopbackPorts.Unused();
        var grpcPort = LoopbackPorts.Unused();
        while (grpcPort == probePort)
        {
            grpcPort = LoopbackPorts.Unused();
        }

        using var sample = SampleProcess.Start(new Dictionary<string, string>
        {
            ["HealthKit__ProbeServer__Urls"] = $"http://127.0.0.1:{probePort}",
            ["HealthKit__ProbeServer__Http2Urls"] = $"http://127.0.0.1:{grpcPort}",
        });
        var own = await sample.WaitForAddressAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ready = new Uri($"http://127.0.0.1:{probePort}/health/ready");
        await Eventually.WaitUntilAsync(
            async () =>
            {
                Assert.False(sample.Process.HasExited, "the sample exited\n" + sample.Output);
                try
                {
                    using var response = await http.GetAsync(ready, TestContext.Current.CancellationToken);
                    return response.StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60));

        using (var response = await http.GetAsync(new Uri(own, "/health/ready"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var response = await http.GetAsync(new Uri(own, "/todos"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var client = new Health.HealthClient(channel);
        foreach (var service in new[] { "", "liveness", "readiness", "startup", "database" })
        {
            var reply = await client.CheckAsync(
                new HealthCheckRequest { Service = service },
                deadline: DateTime.UtcNow.AddSeconds(10),
                cancellationToken: TestContext.Current.CancellationToken);
            Assert.True(reply.Status == HealthCheckResponse.Types.ServingStatus.Serving, $"'{service}': {reply.Status}\n{sample.Output}");
        }

        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync(
            new HealthCheckRequest { Service = "no-such-check" },
            deadline: DateTime.UtcNow.AddSeconds(10),
            cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private static int PortOf(string url) => new Uri(url.Replace("+", "localhost", StringComparison.Ordinal)).Port;
}
