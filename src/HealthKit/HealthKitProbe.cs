using System.Globalization;
using System.Net;
using System.Net.Security;
using HealthKit.Probe;

namespace HealthKit;

/// <summary>
/// A health probe built into the application, for container images without curl or wget (chiseled and distroless
/// images): <c>dotnet app.dll healthcheck ready</c> requests the application's own endpoint and exits 0 or 1.
/// </summary>
public static class HealthKitProbe
{
    /// <summary>The first argument that turns a run of the application into a probe: <c>healthcheck</c>.</summary>
    public const string Command = "healthcheck";

    /// <summary>The exit code when the endpoint answered 2xx: Healthy, or Degraded with the default status codes.</summary>
    public const int ExitHealthy = 0;

    /// <summary>
    /// The exit code when the endpoint answered anything else, or could not be reached within the timeout.
    /// </summary>
    public const int ExitUnhealthy = 1;

    /// <summary>The exit code for arguments the probe does not understand; a usage message goes to standard error.</summary>
    public const int ExitUsage = 2;

    /// <summary>The timeout when <c>--timeout</c> is not given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Runs the probe when <paramref name="args"/> asks for it: call it first in <c>Program.cs</c>, with
    /// <c>if (HealthKitProbe.TryRun(args, out var exitCode)) return exitCode;</c>.
    /// </summary>
    /// <param name="args">
    /// The application's arguments: <c>healthcheck [live|ready|startup|health] [--url URL] [--timeout SECONDS] [--insecure]</c>.
    /// </param>
    /// <param name="exitCode">
    /// <see cref="ExitHealthy"/> for a 2xx answer, <see cref="ExitUnhealthy"/> for any other answer or none within the
    /// timeout, <see cref="ExitUsage"/> for bad arguments; 0 when this was not a probe.
    /// </param>
    /// <returns>
    /// <see langword="false"/> when the first argument is not <c>healthcheck</c>: the application should start as usual.
    /// </returns>
    /// <remarks>
    /// No host is built. Without <c>--url</c> the address comes from the application's own configuration: the probe
    /// server's first address under <c>HealthKit:ProbeServer:Urls</c> when that is set (see <c>AddProbeServer</c>),
    /// otherwise where its server listens, as the server would read it: <c>Kestrel:Endpoints</c>, <c>urls</c> or <c>http_ports</c> (environment variables such as
    /// <c>ASPNETCORE_URLS</c>, <c>ASPNETCORE_HTTP_PORTS</c> and <c>URLS</c>, and <c>appsettings.json</c> with its
    /// environment's file), with a wildcard host (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) read as localhost, and
    /// Kestrel's own default <c>http://localhost:5000</c> when nothing is set; the path comes from
    /// <c>HealthKit:PathPrefix</c> and <c>HealthKit:Endpoints:&lt;Name&gt;:Path</c>. A <c>--url</c> with a path is requested
    /// as it is; one without a path (or with <c>/</c>) is the base address, and the endpoint's path is appended. The
    /// endpoint defaults to <c>ready</c> and the timeout to 3 seconds (from 0.001 to 300). <c>--insecure</c> accepts any
    /// certificate, for a loopback target only: an HTTPS-only app's certificate names its public host, not localhost.
    /// One line goes to standard output (or standard error on failure), which Docker keeps as the probe's log.
    /// </remarks>
    public static bool TryRun(string[] args, out int exitCode)
    {
        ArgumentNullException.ThrowIfNull(args);
        exitCode = 0;
        if (args.Length == 0 || !string.Equals(args[0], Command, StringComparison.Ordinal))
        {
            return false;
        }

        exitCode = Run(args, Console.Out, Console.Error, Directory.GetCurrentDirectory());
        return true;
    }

    internal static int Run(string[] args, TextWriter output, TextWriter error, string contentRoot)
    {
        if (ProbeArguments.Parse(args) is not { } arguments)
        {
            error.WriteLine(ProbeArguments.Usage);
            return ExitUsage;
        }

        if (arguments.Error is { } problem)
        {
            error.WriteLine($"healthcheck: {problem}");
            error.WriteLine(ProbeArguments.Usage);
            return ExitUsage;
        }

        Uri url;
        try
        {
            url = arguments.Url is { } given
                ? ProbeTarget.Resolve(given, () => ProbeTarget.ReadConfiguration(contentRoot), arguments.Endpoint)
                : ProbeTarget.Resolve(ProbeTarget.ReadConfiguration(contentRoot), arguments.Endpoint);
        }
        catch (Exception ex) when (ex is FormatException or UriFormatException or InvalidDataException or IOException)
        {
            error.WriteLine($"healthcheck: cannot work out the application's address ({ex.GetType().Name}: {ex.Message}); pass --url.");
            return ExitUnhealthy;
        }

        if (arguments.Insecure && !ProbeTarget.IsLoopback(url))
        {
            error.WriteLine($"healthcheck: --insecure is only for the app's own loopback address, and the configured address is {url.Host}; pass --url https://localhost:PORT");
            return ExitUsage;
        }

        return Request(url, arguments.Timeout, arguments.Insecure, output, error);
    }

    private static int Request(Uri url, TimeSpan timeout, bool insecure, TextWriter output, TextWriter error)
    {
        // No proxy: a proxy from the container's environment must not stand between the app and its own probe.
        using var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, ConnectTimeout = timeout };
        if (insecure)
        {
            // The app's certificate names its public host, not localhost, and may be self-signed. On loopback (checked
            // above) there is no one in between to impersonate it, so a certificate for another name or from an
            // untrusted issuer is accepted; the app must still present one.
            handler.SslOptions.RemoteCertificateValidationCallback = static (_, _, _, errors) =>
                (errors & ~(SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors)) == SslPolicyErrors.None;
        }

        using var client = new HttpClient(handler) { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd("HealthKit-probe");
        try
        {
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            var code = (int)response.StatusCode;
            var line = string.Create(CultureInfo.InvariantCulture, $"healthcheck: {url} answered {code} {response.ReasonPhrase}");
            if (code is >= 200 and < 300)
            {
                output.WriteLine(line);
                return ExitHealthy;
            }

            error.WriteLine(line);
            return ExitUnhealthy;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"healthcheck: {url} did not answer within {timeout.TotalSeconds} s"));
            return ExitUnhealthy;
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.HttpRequestError == HttpRequestError.ConnectionError ? "could not connect" : ex.HttpRequestError.ToString();
            error.WriteLine($"healthcheck: {url} {reason} ({ex.InnerException?.Message ?? ex.Message})");
            return ExitUnhealthy;
        }
    }
}
