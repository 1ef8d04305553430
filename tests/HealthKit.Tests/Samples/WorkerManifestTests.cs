using System.Globalization;
using System.Text.Json;
using HealthKit.Tests.Lifecycle;
using YamlDotNet.RepresentationModel;

namespace HealthKit.Tests.Samples;

/// <summary>
/// Ties samples/kubernetes/worker.yaml and samples/docker/Dockerfile.worker to the worker's appsettings.json: one probe
/// port, HealthKit's paths on it, and a grace period that covers the drain.
/// </summary>
public sealed class WorkerManifestTests
{
    private const string Manifest = "worker.yaml";

    private static readonly JsonElement Settings =
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "worker", "appsettings.json"))).RootElement;

    [Fact]
    public void ManifestDockerfileAndSettings_AgreeOnTheProbePort()
    {
        var urls = Settings.GetProperty("HealthKit").GetProperty("ProbeServer").GetProperty("Urls").GetString()!;
        var settingsPort = new Uri(urls.Replace("+", "localhost", StringComparison.Ordinal)).Port;
        var container = KubernetesManifestTests.Container(Manifest);
        var port = (YamlMappingNode)((YamlSequenceNode)container["ports"]).Children.Single();
        var exposed = SampleAddressTests.Dockerfile("Dockerfile.worker").Where(i => i.Instruction == "EXPOSE").Select(i => int.Parse(i.Arguments, CultureInfo.InvariantCulture)).Single();
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>()
            .Single(e => KubernetesManifestTests.Text(e, "name") == "HealthKit__ProbeServer__Urls");

        Assert.Equal(8081, settingsPort);
        Assert.Equal(settingsPort, KubernetesManifestTests.Number(port, "containerPort"));
        Assert.Equal(settingsPort, exposed);
        Assert.Equal(urls, KubernetesManifestTests.Text(env, "value"));
    }

    [Theory]
    [InlineData("startupProbe", "/health/startup")]
    [InlineData("livenessProbe", "/health/live")]
    [InlineData("readinessProbe", "/health/ready")]
    public void Probes_AreHttpGetsOnTheProbePort(string probe, string path)
    {
        var container = KubernetesManifestTests.Container(Manifest);
        var portName = KubernetesManifestTests.Text((YamlMappingNode)((YamlSequenceNode)container["ports"]).Children.Single(), "name");
        var httpGet = KubernetesManifestTests.Map(KubernetesManifestTests.Map(container, probe), "httpGet");

        Assert.Equal(path, KubernetesManifestTests.Text(httpGet, "path"));
        Assert.Equal(portName, KubernetesManifestTests.Text(httpGet, "port"));
        Assert.Equal("IfNotPresent", KubernetesManifestTests.Text(container, "imagePullPolicy"));
    }

    [Fact]
    public void TerminationGracePeriod_CoversTheShutdownTimeout_WhichCoversTheDrain()
    {
        var drain = TimeSpan.Parse(Settings.GetProperty("HealthKit").GetProperty("Lifecycle").GetProperty("DrainDelay").GetString()!, CultureInfo.InvariantCulture);
        var grace = TimeSpan.FromSeconds(KubernetesManifestTests.Number(KubernetesManifestTests.PodSpec(Manifest), "terminationGracePeriodSeconds"));

        // Program.cs sets the host's ShutdownTimeout to 20 s: the drain must fit in it, and it in the grace period.
        var shutdownTimeout = TimeSpan.FromSeconds(20);
        Assert.True(drain < shutdownTimeout, $"the drain ({drain}) must fit in the host's ShutdownTimeout ({shutdownTimeout})");
        Assert.True(shutdownTimeout < grace, $"terminationGracePeriodSeconds ({grace}) must exceed the host's ShutdownTimeout ({shutdownTimeout})");
    }
}
