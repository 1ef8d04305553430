using System.Globalization;
using System.Net;
using Npgsql;

namespace HealthKit.Benchmarks.Probes;

/// <summary>The arguments of the <c>probes</c> command.</summary>
internal sealed record ProbeSettings(
    string Connection,
    int Requests,
    int Concurrency,
    TimeSpan Spread,
    string Path,
    string[] Scenarios)
{
    public const string Usage = """
        probes --connection "Host=127.0.0.1;Port=5432;Username=postgres;Database=healthkit_bench"
               [--requests 1000] [--concurrency 8] [--spread-seconds 10] [--path /health/ready]
               [--scenario healthkit|postgres|aspnetcore|all]

        For each scenario (default: all), starts an app on 127.0.0.1 with a PostgreSQL check, sends it --requests GET
        requests (at most --concurrency at a time, their start times spread evenly over --spread-seconds; 0 sends them
        as fast as possible), and counts on the server what they cost. The database must be on loopback; it is the only
        place the load goes.
        """;

    public static ProbeSettings Parse(string[] args)
    {
        string? connection = null;
        var requests = 1000;
        var concurrency = 8;
        var spread = TimeSpan.FromSeconds(10);
        var path = "/health/ready";
        string[] scenarios = ["healthkit", "postgres", "aspnetcore"];

        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--connection":
                    connection = value;
                    break;
                case "--requests":
                    requests = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--concurrency":
                    concurrency = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "--spread-seconds":
                    spread = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
                    break;
                case "--path":
                    path = value;
                    break;
                case "--scenario":
                    scenarios = value == "all" ? scenarios : [value];
                    break;
                default:
                    throw new ArgumentException($"Unknown argument {args[i]}.\n{Usage}");
            }

            i++;
        }

        if (connection is null)
        {
            throw new ArgumentException($"--connection is required.\n{Usage}");
        }

        if (requests is < 1 or > 100_000 || concurrency is < 1 or > 256 || spread < TimeSpan.Zero || spread > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentException($"--requests must be 1 to 100000, --concurrency 1 to 256, --spread-seconds 0 to 600.\n{Usage}");
        }

        if (scenarios.Any(s => s is not ("healthkit" or "postgres" or "aspnetcore")))
        {
            throw new ArgumentException($"--scenario must be healthkit, postgres, aspnetcore or all.\n{Usage}");
        }

        var host = new NpgsqlConnectionStringBuilder(connection).Host;
        if (!IsLoopback(host))
        {
            throw new ArgumentException($"The database host '{host}' is not a loopback address; the probes only run against 127.0.0.1, ::1 or localhost.");
        }

        return new ProbeSettings(connection, requests, concurrency, spread, path, scenarios);
    }

    private static bool IsLoopback(string? host) =>
        host is not null && host.Split(',').All(h =>
            h.Trim() is "localhost" || (IPAddress.TryParse(h.Trim().Trim('[', ']'), out var address) && IPAddress.IsLoopback(address)));
}
