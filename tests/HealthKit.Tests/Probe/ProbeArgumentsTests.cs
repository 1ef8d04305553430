using HealthKit.Probe;

namespace HealthKit.Tests.Probe;

public sealed class ProbeArgumentsTests
{
    [Theory]
    [InlineData]
    [InlineData("--urls", "http://*:5000")]
    [InlineData("HealthCheck")]
    [InlineData("serve", "healthcheck")]
    public void TryRun_NotAProbe_ReturnsFalseAndStartsNothing(params string[] args)
    {
        Assert.False(HealthKitProbe.TryRun(args, out var exitCode));
        Assert.Equal(0, exitCode);
    }

    [Fact]
    public void Parse_Defaults_ReadyWithinThreeSeconds()
    {
        var arguments = ProbeArguments.Parse(["healthcheck"])!;

        Assert.Null(arguments.Error);
        Assert.Equal("ready", arguments.Endpoint);
        Assert.Null(arguments.Url);
        Assert.Equal(TimeSpan.FromSeconds(3), arguments.Timeout);
    }

    [Fact]
    public void Parse_EveryOption_IsRead()
    {
        var arguments = ProbeArguments.Parse(["healthcheck", "LIVE", "--timeout", "1.5", "--url", "http://127.0.0.1:9000/health/live"])!;

        Assert.Null(arguments.Error);
        Assert.Equal("live", arguments.Endpoint);
        Assert.Equal(new Uri("http://127.0.0.1:9000/health/live"), arguments.Url);
        Assert.Equal(TimeSpan.FromSeconds(1.5), arguments.Timeout);
    }

    [Theory]
    [InlineData("unexpected argument 'lively'", "lively")]
    [InlineData("unexpected argument 'ready'", "live", "ready")]
    [InlineData("--url needs a value", "--url")]
    [InlineData("--url 'ftp://host/x' is not an absolute http or https URL", "--url", "ftp://host/x")]
    [InlineData("--url 'health/ready' is not an absolute http or https URL", "--url", "health/ready")]
    [InlineData("--timeout needs a value", "--timeout")]
    [InlineData("--timeout 'soon' must be a number of seconds", "--timeout", "soon")]
    [InlineData("--timeout '0' must be a number of seconds", "--timeout", "0")]
    [InlineData("--timeout '-1' must be a number of seconds", "--timeout", "-1")]
    [InlineData("--timeout 'NaN' must be a number of seconds", "--timeout", "NaN")]
    [InlineData("--timeout '301' must be a number of seconds from 0.001 to 300", "--timeout", "301")]
    [InlineData("--timeout '1e-300' must be a number of seconds from 0.001 to 300", "--timeout", "1e-300")]
    [InlineData("--timeout '0.0009' must be a number of seconds from 0.001 to 300", "--timeout", "0.0009")]
    [InlineData("--insecure accepts any certificate, so it is only for the app's own loopback address", "--insecure", "--url", "https://example.com/health/ready")]
    [InlineData("--insecure accepts any certificate, so it is only for the app's own loopback address", "--url", "https://10.1.2.3:8443", "--insecure")]
    public void Run_BadArguments_ExitsTwoWithTheReasonOnStandardError(string expected, params string[] rest)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = HealthKitProbe.Run(["healthcheck", .. rest], output, error, AppContext.BaseDirectory);

        Assert.Equal(HealthKitProbe.ExitUsage, exitCode);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
        Assert.Contains(ProbeArguments.Usage, error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }

    [Fact]
    public void Parse_Insecure_IsRead()
    {
        Assert.False(ProbeArguments.Parse(["healthcheck"])!.Insecure);
        Assert.True(ProbeArguments.Parse(["healthcheck", "--insecure", "--url", "https://[::1]:8443"])!.Insecure);
    }

    [Fact]
    public void Run_InsecureAndAConfiguredAddressThatIsNotLoopback_ExitsTwo()
    {
        var root = Directory.CreateTempSubdirectory("healthkit-probe-");
        try
        {
            File.WriteAllText(Path.Combine(root.FullName, "appsettings.json"), """{ "Kestrel": { "Endpoints": { "Https": { "Url": "https://health.example:8443" } } } }""");
            using var output = new StringWriter();
            using var error = new StringWriter();

            var exitCode = HealthKitProbe.Run(["healthcheck", "--insecure"], output, error, root.FullName);

            Assert.Equal(HealthKitProbe.ExitUsage, exitCode);
            Assert.Contains("--insecure is only for the app's own loopback address", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("0.001")]
    [InlineData("1E-3")]
    public void Run_ShortestTimeoutAllowed_IsHonouredAgainstAServerThatNeverAnswers(string timeout)
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exitCode = HealthKitProbe.Run(["healthcheck", "--timeout", timeout, "--url", $"http://127.0.0.1:{port}/health/ready"], output, error, AppContext.BaseDirectory);

        Assert.Equal(HealthKitProbe.ExitUnhealthy, exitCode);
        Assert.Contains($"http://127.0.0.1:{port}/health/ready", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Help_ExitsTwoWithUsage()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        Assert.Equal(HealthKitProbe.ExitUsage, HealthKitProbe.Run(["healthcheck", "--help"], output, error, AppContext.BaseDirectory));
        Assert.StartsWith(ProbeArguments.Usage, error.ToString(), StringComparison.Ordinal);
    }
}
