using HealthKit.Probe;
using Microsoft.Extensions.Configuration;

namespace HealthKit.Tests.Probe;

public sealed class ProbeTargetTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Theory]
    [InlineData("http://*:5000", "http://localhost:5000")]
    [InlineData("http://+:80", "http://localhost:80")]
    [InlineData("http://0.0.0.0:8080", "http://localhost:8080")]
    [InlineData("http://[::]:8080", "http://localhost:8080")]
    [InlineData("http://127.0.0.1:5080/", "http://127.0.0.1:5080")]
    [InlineData("http://[::1]:5080", "http://[::1]:5080")]
    [InlineData("https://*:8443;http://*:8080", "http://localhost:8080")]
    [InlineData("https://+:8443", "https://localhost:8443")]
    [InlineData("http://127.0.0.1:0;http://localhost:7000", "http://localhost:7000")]
    [InlineData(" http://localhost:5080 ; http://*:6000 ", "http://localhost:5080")]
    public void BaseAddress_Urls_FirstHttpUrlWithWildcardHostAsLocalhost(string urls, string expected)
    {
        Assert.Equal(expected, ProbeTarget.BaseAddress(Configuration(("urls", urls))));
    }

    [Fact]
    public void BaseAddress_HttpPorts_LocalhostOnTheFirstPort()
    {
        Assert.Equal("http://localhost:8081", ProbeTarget.BaseAddress(Configuration(("http_ports", "8081;8082"))));
        Assert.Equal("https://localhost:8443", ProbeTarget.BaseAddress(Configuration(("https_ports", "8443"))));
    }

    [Fact]
    public void BaseAddress_UrlsAndPorts_UrlsWinAsInKestrel()
    {
        Assert.Equal("http://localhost:5000", ProbeTarget.BaseAddress(Configuration(("http_ports", "8080"), ("urls", "http://*:5000"))));
    }

    [Fact]
    public void BaseAddress_ProbeServerUrls_WinOverTheApplicationsOwnAddresses()
    {
        var configuration = Configuration(
            ("urls", "http://*:5000"),
            ("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:9080"),
            ("HealthKit:ProbeServer:Urls", "http://127.0.0.1:0;http://+:8081"));

        // Port 0 is chosen at run time, so the probe takes the next address it can name.
        Assert.Equal("http://localhost:8081", ProbeTarget.BaseAddress(configuration));
    }

    [Fact]
    public void BaseAddress_KestrelEndpoints_WinOverUrls()
    {
        var configuration = Configuration(
            ("urls", "http://*:5000"),
            ("Kestrel:Endpoints:Https:Url", "https://*:9443"),
            ("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:9080"));

        Assert.Equal("http://localhost:9080", ProbeTarget.BaseAddress(configuration));
    }

    [Theory]
    [InlineData("")]
    [InlineData("http_ports=notaport")]
    [InlineData("urls=http://127.0.0.1:0")]
    public void BaseAddress_NothingUsable_FallsBackToKestrelsDefault(string setting)
    {
        var values = setting.Length == 0 ? [] : new[] { (setting.Split('=')[0], setting.Split('=')[1]) };

        // Where Kestrel listens when nothing names an address; the ASP.NET Core images name one (ASPNETCORE_HTTP_PORTS=8080).
        Assert.Equal("http://localhost:5000", ProbeTarget.BaseAddress(Configuration(values)));
    }

    [Theory]
    [InlineData("http://127.0.0.1:9000", "ready", "http://127.0.0.1:9000/ops/ready")]
    [InlineData("http://127.0.0.1:9000/", "live", "http://127.0.0.1:9000/ops/live")]
    [InlineData("https://localhost:9443", "health", "https://localhost:9443/ops")]
    [InlineData("http://127.0.0.1:9000/", "startup", "http://127.0.0.1:9000/ops/startup")]
    [InlineData("http://127.0.0.1:9000/health/ready", "live", "http://127.0.0.1:9000/health/ready")]
    [InlineData("http://127.0.0.1:9000/custom?verbose=1", "ready", "http://127.0.0.1:9000/custom?verbose=1")]
    public void Resolve_Url_WithoutAPathIsTheBaseAddressAndWithOneIsUsedWhole(string url, string endpoint, string expected)
    {
        var reads = 0;

        var resolved = ProbeTarget.Resolve(new Uri(url), () => { reads++; return Configuration(("HealthKit:PathPrefix", "/ops")); }, endpoint);

        Assert.Equal(new Uri(expected), resolved);
        Assert.Equal(new Uri(url).AbsolutePath == "/" ? 1 : 0, reads);
    }

    [Theory]
    [InlineData("ready", "/health/ready")]
    [InlineData("live", "/health/live")]
    [InlineData("startup", "/health/startup")]
    [InlineData("health", "/health")]
    public void EndpointPath_Defaults_AreHealthKits(string endpoint, string expected)
    {
        Assert.Equal(expected, ProbeTarget.EndpointPath(Configuration(), endpoint));
    }

    [Fact]
    public void EndpointPath_PrefixAndPathsConfigured_FollowsThem()
    {
        var configuration = Configuration(
            ("HealthKit:PathPrefix", "/ops/health/"),
            ("HealthKit:Endpoints:Ready:Path", "readyz"),
            ("HealthKit:Endpoints:Health:Path", "all"));

        Assert.Equal("/ops/health/readyz", ProbeTarget.EndpointPath(configuration, "ready"));
        Assert.Equal("/ops/health/all", ProbeTarget.EndpointPath(configuration, "health"));
        Assert.Equal("/ops/health/live", ProbeTarget.EndpointPath(configuration, "live"));
    }

    [Fact]
    public void ReadConfiguration_AppSettingsFiles_EnvironmentFileWins()
    {
        Assert.True(
            string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")),
            "this test reads the Production files");
        var root = Directory.CreateTempSubdirectory("healthkit-probe-");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "appsettings.json"), """{ "Urls": "http://*:7001", "HealthKit": { "PathPrefix": "/hc" } }""");
            File.WriteAllText(Path.Combine(root.FullName, "appsettings.Production.json"), """{ "HealthKit": { "Endpoints": { "Ready": { "Path": "r" } } } }""");
            File.WriteAllText(Path.Combine(root.FullName, "appsettings.Development.json"), """{ "HealthKit": { "PathPrefix": "/dev" } }""");

            var url = ProbeTarget.Resolve(ProbeTarget.ReadConfiguration(root.FullName), "ready");

            Assert.Equal(new Uri("http://localhost:7001/hc/r"), url);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void ReadConfiguration_BrokenAppSettings_IsAnUnhealthyExitWithAMessage()
    {
        var root = Directory.CreateTempSubdirectory("healthkit-probe-");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "appsettings.json"), "{ not json");
            using var output = new StringWriter();
            using var error = new StringWriter();

            var exitCode = HealthKitProbe.Run(["healthcheck"], output, error, root.FullName);

            Assert.Equal(HealthKitProbe.ExitUnhealthy, exitCode);
            Assert.Contains("pass --url", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
