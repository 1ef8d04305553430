using HealthKit.ProbeServer;
using Microsoft.Extensions.Configuration;

namespace HealthKit.Probe;

/// <summary>
/// Works out the URL of the application's own endpoint from the same configuration the application reads, without
/// building a host: only the environment and the <c>appsettings</c> files, in the precedence the web host gives them.
/// </summary>
internal static class ProbeTarget
{
    /// <summary>Where Kestrel listens when no address is configured at all.</summary>
    internal const string Fallback = "http://localhost:5000";

    private static readonly string[] WildcardHosts = ["*", "+", "0.0.0.0", "[::]", "::"];

    /// <summary>
    /// The configuration the web host reads its addresses from, in its order (a later source wins): environment
    /// variables prefixed <c>DOTNET_</c>, then <c>ASPNETCORE_</c>, then <c>appsettings.json</c> and
    /// <c>appsettings.{Environment}.json</c>, then unprefixed environment variables. The application's command line is
    /// not the probe's, so it cannot be read.
    /// </summary>
    public static IConfiguration ReadConfiguration(string contentRoot)
    {
        var host = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .Build();
        var environment = host["environment"] is { Length: > 0 } name ? name : "Production";
        var root = host["contentRoot"] is { Length: > 0 } configuredRoot ? Path.GetFullPath(configuredRoot, contentRoot) : contentRoot;
        return new ConfigurationBuilder()
            .AddConfiguration(host)
            .AddJsonFile(Path.Combine(root, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(Path.Combine(root, $"appsettings.{environment}.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .Build();
    }

    /// <summary>The URL of <paramref name="endpoint"/> (live, ready, startup or health) on this application.</summary>
    public static Uri Resolve(IConfiguration configuration, string endpoint) =>
        new(BaseAddress(configuration) + EndpointPath(configuration, endpoint));

    /// <summary>
    /// The URL to request for a <c>--url</c>: one with a path is used whole; one without (or with <c>/</c>) is the base
    /// address, and the endpoint's path from the application's configuration is appended.
    /// </summary>
    public static Uri Resolve(Uri url, Func<IConfiguration> configuration, string endpoint) =>
        url.AbsolutePath is "/" or ""
            ? new(url.GetLeftPart(UriPartial.Authority) + EndpointPath(configuration(), endpoint))
            : url;

    /// <summary>Whether <paramref name="url"/> names this machine: <c>localhost</c> or a loopback address.</summary>
    public static bool IsLoopback(Uri url) => url.IsLoopback;

    /// <summary>
    /// Where HealthKit's endpoints are served: the probe server's first address under <c>HealthKit:ProbeServer:Urls</c>
    /// when that is configured; otherwise where the application's server listens, as Kestrel decides it: an HTTP
    /// endpoint under <c>Kestrel:Endpoints</c>, else the first of <c>urls</c>, else the first of <c>http_ports</c>, else
    /// <c>https_ports</c>. A wildcard host becomes localhost.
    /// </summary>
    public static string BaseAddress(IConfiguration configuration)
    {
        if (Pick(Split(configuration[ProbeServerAddress.UrlsKey])) is { } probeServer)
        {
            return probeServer;
        }

        var kestrel = configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"])
            .OfType<string>()
            .ToList();
        if (Pick(kestrel) is { } fromKestrel)
        {
            return fromKestrel;
        }

        if (Pick(Split(configuration["urls"])) is { } fromUrls)
        {
            return fromUrls;
        }

        if (Split(configuration["http_ports"]).FirstOrDefault(IsPort) is { } httpPort)
        {
            return $"http://localhost:{httpPort}";
        }

        if (Split(configuration["https_ports"]).FirstOrDefault(IsPort) is { } httpsPort)
        {
            return $"https://localhost:{httpsPort}";
        }

        return Fallback;
    }

    /// <summary>
    /// The endpoint's path from <c>HealthKit:PathPrefix</c> and <c>HealthKit:Endpoints:&lt;Name&gt;:Path</c>, with
    /// HealthKit's defaults.
    /// </summary>
    public static string EndpointPath(IConfiguration configuration, string endpoint)
    {
        var section = configuration.GetSection(HealthKitOptions.SectionName);
        var prefix = (section[nameof(HealthKitOptions.PathPrefix)] ?? "/health").Trim().TrimEnd('/');
        var name = endpoint.Equals("health", StringComparison.OrdinalIgnoreCase) ? nameof(HealthKitEndpointsOptions.Health) : char.ToUpperInvariant(endpoint[0]) + endpoint[1..].ToLowerInvariant();
        var path = section.GetSection("Endpoints").GetSection(name)[nameof(HealthEndpointOptions.Path)]
            ?? (name == nameof(HealthKitEndpointsOptions.Health) ? string.Empty : name.ToLowerInvariant());
        path = path.Trim().Trim('/');
        var full = path.Length == 0 ? prefix : $"{prefix}/{path}";
        return full.StartsWith('/') ? full : "/" + full;
    }

    private static string? Pick(IReadOnlyList<string> urls)
    {
        // Plain HTTP first: the probe talks to its own process and needs no certificate.
        foreach (var scheme in new[] { "http://", "https://" })
        {
            foreach (var url in urls)
            {
                if (url.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && Normalize(url) is { } normalized)
                {
                    return normalized;
                }
            }
        }

        return null;
    }

    /// <summary>The URL's scheme, host and port, a wildcard host replaced by localhost; null for a port chosen at run time.</summary>
    private static string? Normalize(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var rest = url[schemeEnd..];
        var pathStart = rest.IndexOf('/', StringComparison.Ordinal);
        var authority = pathStart < 0 ? rest : rest[..pathStart];

        // The port follows the last ':' outside an IPv6 literal's brackets.
        var colon = authority.LastIndexOf(':');
        var host = colon > authority.LastIndexOf(']') ? authority[..colon] : authority;
        var port = colon > authority.LastIndexOf(']') ? authority[(colon + 1)..] : string.Empty;
        if (port == "0")
        {
            return null;
        }

        if (WildcardHosts.Contains(host, StringComparer.Ordinal) || host.Length == 0)
        {
            host = "localhost";
        }

        var scheme = url[..schemeEnd].ToLowerInvariant();
        return port.Length > 0 ? $"{scheme}{host}:{port}" : $"{scheme}{host}";
    }

    private static List<string> Split(string? value) => ProbeServerAddress.Split(value);

    private static bool IsPort(string value) => int.TryParse(value, out var port) && port is > 0 and <= 65535;
}
