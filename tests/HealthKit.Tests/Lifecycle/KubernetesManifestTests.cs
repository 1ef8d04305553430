using System.Globalization;
using System.Text.RegularExpressions;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.Hosting;
using YamlDotNet.RepresentationModel;

namespace HealthKit.Tests.Lifecycle;

/// <summary>
/// Ties samples/kubernetes/deployment.yaml to HealthKit's defaults, so the manifest and the library cannot drift apart.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    private static readonly HealthKitOptions Defaults = new();
    private static readonly TimeSpan ShutdownTimeout = new HostOptions().ShutdownTimeout;

    internal static YamlMappingNode Container(string manifest = "deployment.yaml")
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(AppContext.BaseDirectory, "kubernetes", manifest)))
        {
            stream.Load(reader);
        }

        var deployment = (YamlMappingNode)stream.Documents.Single().RootNode;
        var pod = Map(Map(Map(deployment, "spec"), "template"), "spec");
        return (YamlMappingNode)((YamlSequenceNode)pod.Children[new YamlScalarNode("containers")]).Children.Single();
    }

    internal static YamlMappingNode PodSpec(string manifest = "deployment.yaml")
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(AppContext.BaseDirectory, "kubernetes", manifest)))
        {
            stream.Load(reader);
        }

        return Map(Map(Map((YamlMappingNode)stream.Documents.Single().RootNode, "spec"), "template"), "spec");
    }

    internal static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    internal static int Number(YamlMappingNode node, string key) =>
        int.Parse(((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!, CultureInfo.InvariantCulture);

    internal static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    public static TheoryData<string, string> Probes => new()
    {
        { "startupProbe", nameof(HealthKitEndpointsOptions.Startup) },
        { "livenessProbe", nameof(HealthKitEndpointsOptions.Live) },
        { "readinessProbe", nameof(HealthKitEndpointsOptions.Ready) },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public void Probe_PathIsTheEndpoint_AndItsTimeoutExceedsTheDeadline(string probe, string endpoint)
    {
        var options = endpoint switch
        {
            "Startup" => Defaults.Endpoints.Startup,
            "Live" => Defaults.Endpoints.Live,
            _ => Defaults.Endpoints.Ready,
        };
        var spec = Map(Container(), probe);

        Assert.Equal(Defaults.PathPrefix + "/" + options.Path, Text(Map(spec, "httpGet"), "path"));
        Assert.True(
            TimeSpan.FromSeconds(Number(spec, "timeoutSeconds")) > options.Deadline,
            $"{probe}.timeoutSeconds must exceed the endpoint deadline {options.Deadline}, or the kubelet gives up before HealthKit answers");
        Assert.True(options.Deadline >= Defaults.Defaults.Timeout, "a check's timeout must fit in the endpoint deadline");
    }

    [Fact]
    public void Probes_UseTheContainersHttpPort()
    {
        var container = Container();
        var port = Text((YamlMappingNode)((YamlSequenceNode)container.Children[new YamlScalarNode("ports")]).Children.Single(), "name");

        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal(port, Text(Map(Map(container, probe), "httpGet"), "port"));
        }
    }

    [Fact]
    public void GracePeriod_OutlastsTheHostShutdown_WhichHoldsTheDrain()
    {
        var grace = TimeSpan.FromSeconds(Number(PodSpec(), "terminationGracePeriodSeconds"));

        Assert.True(HealthKitLifecycleOptions.DefaultDrainDelay < ShutdownTimeout, "the drain must leave the host time to finish requests in flight");
        Assert.True(grace > ShutdownTimeout, $"terminationGracePeriodSeconds ({grace}) must exceed the host's ShutdownTimeout ({ShutdownTimeout}), or the kubelet kills the pod mid-shutdown");
    }

    [Fact]
    public void Readiness_IsNoticedWithinTheDrain()
    {
        var readiness = Map(Container(), "readinessProbe");
        var noticedWithin = TimeSpan.FromSeconds(Number(readiness, "periodSeconds") * Number(readiness, "failureThreshold"));

        Assert.True(
            noticedWithin <= HealthKitLifecycleOptions.DefaultDrainDelay,
            $"a probe-driven load balancer needs up to {noticedWithin} to see readiness fail; the drain is only {HealthKitLifecycleOptions.DefaultDrainDelay}");
    }

    [Fact]
    public void Manifest_DoesNotOverrideHealthKitSettings()
    {
        // The numbers above hold for HealthKit's defaults; an override in the manifest would need its own arithmetic.
        var env = (YamlSequenceNode)Container().Children[new YamlScalarNode("env")];

        Assert.DoesNotContain(env.Children.Cast<YamlMappingNode>(), e => Text(e, "name").StartsWith("HealthKit__", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Manifest_LocallyBuiltImage_IsNotPulled()
    {
        Assert.Equal("IfNotPresent", Text(Container(), "imagePullPolicy"));
    }

    [Fact]
    public async Task ManifestUrlVariable_TakesEffectForTheSample()
    {
        var container = Container();
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>().Single();
        var name = Text(env, "name");
        var value = Text(env, "value");
        var port = Text((YamlMappingNode)((YamlSequenceNode)container["ports"]).Children.Single(), "containerPort");
        Assert.Equal("ASPNETCORE_URLS", name);
        Assert.Equal($"http://+:{port}", value);

        // The manifest's value with the loopback address and a free port in place of the wildcard host and port 8080.
        var free = LoopbackPorts.Unused();
        var local = AnyHostAndPort().Replace(value, $"http://127.0.0.1:{free}");

        await SampleAddressTests.AssertListensAsync(new Dictionary<string, string> { [name] = local }, urls: null, free);
    }

    [GeneratedRegex(@"^http://[^/:]+:\d+")]
    private static partial Regex AnyHostAndPort();
}
