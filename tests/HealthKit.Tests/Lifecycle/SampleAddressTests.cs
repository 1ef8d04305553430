using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using HealthKit.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace HealthKit.Tests.Lifecycle;

/// <summary>
/// The sample's listening address as ASP.NET Core users expect it: no address in appsettings.json, so
/// <c>ASPNETCORE_URLS</c>, <c>URLS</c> and <c>--urls</c> all take effect; <c>dotnet run</c> gets its address from
/// launchSettings.json; and samples/docker/Dockerfile agrees with samples/kubernetes/deployment.yaml on the port. The
/// sample runs as a real process.
/// </summary>
public sealed class SampleAddressTests
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public void AppSettings_NamesNoAddress_AndLaunchSettingsGivesDotnetRunPort5080()
    {
        using var appSettings = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json")));
        using var launch = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "sample", "launchSettings.json")));

        // Any of these in appsettings.json would win over ASPNETCORE_URLS and ASPNETCORE_HTTP_PORTS.
        var names = appSettings.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.DoesNotContain(names, n => n.Equals("Urls", StringComparison.OrdinalIgnoreCase) || n.Equals("Kestrel", StringComparison.OrdinalIgnoreCase)
            || n.Equals("http_ports", StringComparison.OrdinalIgnoreCase) || n.Equals("https_ports", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("http://localhost:5080", launch.RootElement.GetProperty("profiles").GetProperty("http").GetProperty("applicationUrl").GetString());
    }

    [Theory]
    [InlineData("URLS")]
    [InlineData("--urls")]
    public async Task OtherAddressSources_TakeEffectForTheSample(string source)
    {
        var port = LoopbackPorts.Unused();
        var url = $"http://127.0.0.1:{port}";

        await AssertListensAsync(
            source == "URLS" ? new Dictionary<string, string> { ["URLS"] = url } : [],
            urls: source == "--urls" ? url : null,
            port);
    }

    [Fact]
    public void ManifestAndDockerfile_AgreeOnThePort()
    {
        var exposed = Dockerfile().Where(i => i.Instruction == "EXPOSE").Select(i => int.Parse(i.Arguments, CultureInfo.InvariantCulture)).Single();

        Assert.Equal(exposed, ContainerPort());
        // The image's own ASPNETCORE_HTTP_PORTS (8080 in the ASP.NET Core images) is the address; the Dockerfile sets none
        // of its own that would hide it.
        Assert.DoesNotContain(Dockerfile(), i => i.Instruction == "ENV" && Regex.IsMatch(i.Arguments, @"\b(ASPNETCORE_)?(URLS|HTTP_PORTS)=", RegexOptions.IgnoreCase));
        Assert.Equal(8080, exposed);
    }

    [Fact]
    public void Dockerfile_HealthCheck_ProbesLiveness()
    {
        var healthCheck = Dockerfile().Single(i => i.Instruction == "HEALTHCHECK").Arguments;
        var command = healthCheck[(healthCheck.IndexOf("CMD ", StringComparison.Ordinal) + 4)..];

        // Swarm and ECS replace a container whose health check fails: readiness there would replace every replica in a
        // database outage.
        Assert.Equal(["dotnet", "HealthKit.Sample.dll", "healthcheck", "live"], JsonSerializer.Deserialize<string[]>(command)!);
    }

    /// <summary>Starts the sample with <paramref name="environment"/> and <paramref name="urls"/>, and checks it listens on <paramref name="port"/> and answers there.</summary>
    internal static async Task AssertListensAsync(Dictionary<string, string> environment, string? urls, int port)
    {
        using var sample = SampleProcess.Start(environment, urls);
        var address = await sample.WaitForAddressAsync(StartLimit);

        Assert.Equal(new Uri($"http://127.0.0.1:{port}"), address);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var live = await client.GetAsync(new Uri(address, "/health/live"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    private static int ContainerPort() =>
        int.Parse(KubernetesManifestTests.Text((YamlMappingNode)((YamlSequenceNode)KubernetesManifestTests.Container()["ports"]).Children.Single(), "containerPort"), CultureInfo.InvariantCulture);

    /// <summary>The Dockerfile's instructions, continuation lines joined, comments left out.</summary>
    internal static List<(string Instruction, string Arguments)> Dockerfile(string name = "Dockerfile")
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docker", name));
        var lines = text.Split('\n').Select(l => l.TrimEnd()).Where(l => !l.TrimStart().StartsWith('#') && l.Length > 0);
        var joined = string.Join('\n', lines).Replace("\\\n", " ", StringComparison.Ordinal);
        return [.. joined.Split('\n').Select(l => l.Trim()).Select(l => (l.Split(' ')[0], l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim()))];
    }

}
