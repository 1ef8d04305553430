using System.Globalization;

namespace HealthKit.Probe;

/// <summary>
/// The probe's command line: <c>healthcheck [live|ready|startup|health] [--url URL] [--timeout SECONDS] [--insecure]</c>.
/// </summary>
internal sealed class ProbeArguments
{
    internal const string Usage = "usage: healthcheck [live|ready|startup|health] [--url URL] [--timeout SECONDS] [--insecure]";

    /// <summary>A timeout longer than this is surely a mistake: an orchestrator gives up on a probe long before.</summary>
    internal static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The shortest timeout: one millisecond, the finest step the HTTP client's timers keep. A shorter one would round to
    /// zero, which the client cannot take.
    /// </summary>
    internal static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(1);

    private static readonly string[] Endpoints = ["live", "ready", "startup", "health"];

    private ProbeArguments(string endpoint, Uri? url, TimeSpan timeout, bool insecure, string? error)
    {
        Endpoint = endpoint;
        Url = url;
        Timeout = timeout;
        Insecure = insecure;
        Error = error;
    }

    public string Endpoint { get; }

    public Uri? Url { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Whether <c>--insecure</c> was given: a loopback target's certificate is accepted whatever it names.</summary>
    public bool Insecure { get; }

    /// <summary>Why the arguments are refused, or <see langword="null"/>.</summary>
    public string? Error { get; }

    /// <summary>The parsed arguments; <c>args[0]</c> is <c>healthcheck</c>. Null for <c>--help</c>.</summary>
    public static ProbeArguments? Parse(string[] args)
    {
        var endpoint = "ready";
        Uri? url = null;
        var timeout = HealthKitProbe.DefaultTimeout;
        var insecure = false;
        var endpointSeen = false;
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    return null;
                case "--url":
                    if (i + 1 >= args.Length)
                    {
                        return Fail("--url needs a value, such as http://localhost:8080/health/ready");
                    }

                    if (!Uri.TryCreate(args[++i], UriKind.Absolute, out url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
                    {
                        return Fail($"--url '{args[i]}' is not an absolute http or https URL");
                    }

                    break;
                case "--timeout":
                    if (i + 1 >= args.Length)
                    {
                        return Fail("--timeout needs a value in seconds, such as 3");
                    }

                    if (!double.TryParse(args[++i], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                        || !double.IsFinite(seconds) || seconds < MinTimeout.TotalSeconds || seconds > MaxTimeout.TotalSeconds)
                    {
                        return Fail(string.Create(
                            CultureInfo.InvariantCulture,
                            $"--timeout '{args[i]}' must be a number of seconds from {MinTimeout.TotalSeconds} to {MaxTimeout.TotalSeconds}"));
                    }

                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--insecure":
                    insecure = true;
                    break;
                default:
                    if (endpointSeen || !Endpoints.Contains(arg, StringComparer.OrdinalIgnoreCase))
                    {
                        return Fail($"unexpected argument '{arg}'");
                    }

                    endpoint = arg.ToLowerInvariant();
                    endpointSeen = true;
                    break;
            }
        }

        if (insecure && url is not null && !ProbeTarget.IsLoopback(url))
        {
            return Fail($"--insecure accepts any certificate, so it is only for the app's own loopback address (localhost, 127.0.0.1, [::1]), not {url.Host}");
        }

        return new(endpoint, url, timeout, insecure, null);

        ProbeArguments Fail(string error) => new(endpoint, url, timeout, insecure, error);
    }
}
