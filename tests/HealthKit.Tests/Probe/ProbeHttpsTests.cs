using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Probe;

/// <summary>
/// The self-probe against an HTTPS-only app on a real Kestrel listener, whose self-signed certificate names its public
/// host (health.example), not the loopback address the probe asks.
/// </summary>
public sealed class ProbeHttpsTests : IAsyncLifetime
{
    private WebApplication? _app;

    private Uri BaseAddress => new(_app!.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public async ValueTask InitializeAsync()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=health.example", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("health.example");
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // Kestrel needs the private key in a form the platform's TLS can use: through a PKCS#12 round trip.
        var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        _app = builder.Build();
        _app.MapGet("/", () => "root");
        _app.MapGet("/health/ready", () => "ready");
        await _app.StartAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public void Probe_CertificateForAnotherName_FailsWithoutInsecure()
    {
        var (exitCode, output, error) = Run("ready", "--url", BaseAddress.ToString());

        Assert.True(exitCode == HealthKitProbe.ExitUnhealthy, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains("/health/ready", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public void Probe_Insecure_AcceptsTheCertificateOnLoopbackAndAsksTheEndpoint(string host)
    {
        var url = $"https://{host}:{BaseAddress.Port}";

        var (exitCode, output, error) = Run("ready", "--insecure", "--url", url);

        Assert.True(exitCode == HealthKitProbe.ExitHealthy, $"exit {exitCode}\n{output}\n{error}");
        Assert.Contains($"{url}/health/ready answered 200", output, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = HealthKitProbe.Run(["healthcheck", .. args], output, error, AppContext.BaseDirectory);
        return (exitCode, output.ToString(), error.ToString());
    }
}
