using System.Globalization;
using System.Net;
using HealthKit.Redaction;
using Microsoft.AspNetCore.Http;

namespace HealthKit.ProbeServer;

/// <summary>One address of the probe server, parsed from <c>HealthKit:ProbeServer:Urls</c> or <c>Http2Urls</c>.</summary>
/// <param name="Url">The address as configured.</param>
/// <param name="Address">The IP address to bind; <see langword="null"/> for every address or for localhost.</param>
/// <param name="Localhost">Whether the host is <c>localhost</c> (both loopback addresses).</param>
/// <param name="Port">The port; 0 takes a free one.</param>
/// <param name="Http2">Whether this is an HTTP/2 cleartext listener.</param>
internal sealed record ProbeServerAddress(string Url, IPAddress? Address, bool Localhost, int Port, bool Http2)
{
    internal const string UrlsKey = HealthKitOptions.SectionName + ":" + nameof(HealthKitOptions.ProbeServer) + ":" + nameof(ProbeServerOptions.Urls);
    internal const string Http2UrlsKey = HealthKitOptions.SectionName + ":" + nameof(HealthKitOptions.ProbeServer) + ":" + nameof(ProbeServerOptions.Http2Urls);

    private static readonly string[] AnyHosts = ["+", "*", "0.0.0.0", "[::]", "::"];

    /// <summary>Every address of <paramref name="options"/>; each problem, naming its key, goes to <paramref name="errors"/>.</summary>
    public static List<ProbeServerAddress> ParseAll(ProbeServerOptions options, List<string> errors)
    {
        var addresses = new List<ProbeServerAddress>();
        var urls = Split(options.Urls);
        if (urls.Count == 0)
        {
            errors.Add($"{UrlsKey} is empty: give the address the probe server listens on, such as {ProbeServerOptions.DefaultUrls}.");
        }

        Parse(urls, UrlsKey, http2: false, addresses, errors);
        Parse(Split(options.Http2Urls), Http2UrlsKey, http2: true, addresses, errors);

        foreach (var port in addresses.Where(a => a.Port != 0).GroupBy(a => a.Port).Where(g => g.Select(a => a.Http2).Distinct().Count() > 1))
        {
            errors.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{UrlsKey} and {Http2UrlsKey} both use port {port.Key}: Kestrel cannot serve HTTP/1.1 and cleartext HTTP/2 on one port, so give the HTTP/2 listener a port of its own."));
        }

        return addresses;
    }

    private static void Parse(List<string> urls, string key, bool http2, List<ProbeServerAddress> addresses, List<string> errors)
    {
        foreach (var url in urls)
        {
            if (ParseOne(url, http2, out var problem) is { } address)
            {
                addresses.Add(address);
            }
            else
            {
                errors.Add($"{key}: '{Redactor.RedactText(url)}' {problem}.");
            }
        }
    }

    private static ProbeServerAddress? ParseOne(string url, bool http2, out string problem)
    {
        BindingAddress binding;
        try
        {
            binding = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            problem = $"is not an address such as {ProbeServerOptions.DefaultUrls}";
            return null;
        }

        problem = string.Empty;
        if (binding.IsUnixPipe || binding.IsNamedPipe)
        {
            problem = "is a pipe; the probe server listens on TCP ports, for probes from outside the process";
        }
        else if (string.Equals(binding.Scheme, "https", StringComparison.OrdinalIgnoreCase))
        {
            problem = "uses https, and the probe server has no certificate: it serves plain http only, as kubelet probes and the self-probe need. Use http:// on a port that only the cluster reaches";
        }
        else if (!string.Equals(binding.Scheme, "http", StringComparison.OrdinalIgnoreCase))
        {
            problem = "must start with http://";
        }
        else if (binding.PathBase.Length > 0)
        {
            problem = "has a path; give only the scheme, host and port, and set HealthKit:PathPrefix for the path";
        }
        else if (binding.Port is < 0 or > 65535)
        {
            problem = "has a port outside 0-65535";
        }

        if (problem.Length > 0)
        {
            return null;
        }

        var host = binding.Host;
        if (AnyHosts.Contains(host, StringComparer.Ordinal))
        {
            return new(url, null, Localhost: false, binding.Port, http2);
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            if (binding.Port == 0)
            {
                problem = "asks for a free port on localhost, which is two addresses that could get different ports; use http://127.0.0.1:0";
                return null;
            }

            return new(url, null, Localhost: true, binding.Port, http2);
        }

        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip))
        {
            return new(url, ip, Localhost: false, binding.Port, http2);
        }

        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            problem = "has a port that is not a number from 0 to 65535";
            return null;
        }

        problem = "names a host; the probe server binds addresses: use + (every address), localhost or an IP address";
        return null;
    }

    /// <summary>A list of addresses separated by <c>;</c>, as ASP.NET Core's <c>urls</c> setting takes them.</summary>
    internal static List<string> Split(string? value) =>
        value is null ? [] : [.. value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
