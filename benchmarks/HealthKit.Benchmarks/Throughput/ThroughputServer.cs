using System.Globalization;
using HealthKit.Benchmarks.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthKit.Benchmarks.Throughput;

/// <summary>
/// The two applications that <c>benchmarks/throughput.sh</c> loads with <c>wrk</c>, as processes of their own:
/// <c>serve-bare --urls URL</c>, Kestrel with one endpoint, <c>GET /ok</c> (200, <c>ok</c>), and
/// <c>serve-healthkit --checks N --urls URL</c>, the same application plus <c>AddHealthKit()</c> with its defaults and
/// no <c>DetailsPolicy</c>, N cheap checks tagged <c>ready</c> with a one-day <c>CacheTtl</c> (<see cref="CheapChecks"/>),
/// and <c>MapHealthKit()</c>.
/// </summary>
/// <remarks>
/// Both are built the same way, so that they differ only by HealthKit: <c>WebApplication.CreateBuilder</c> as the
/// sample uses it (configuration from the environment and the command line, so <c>--urls</c> and
/// <c>HealthKit__...</c> variables apply), the Production environment whatever the shell says, and no logging provider
/// (console logging would cost more per request than what is measured). The process runs until it is killed.
/// </remarks>
internal static class ThroughputServer
{
    public static Task<int> RunBareAsync(string[] args) => RunAsync(args, healthKitChecks: null);

    public static Task<int> RunHealthKitAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--checks");
        if (at < 0 || at + 1 >= args.Length || !int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var checks) || checks > 10_000)
        {
            Console.Error.WriteLine("usage: serve-healthkit --checks N --urls http://127.0.0.1:PORT   (N from 0 to 10000)");
            return Task.FromResult(2);
        }

        return RunAsync([.. args[..at], .. args[(at + 2)..]], new CheapChecks(checks));
    }

    private static async Task<int> RunAsync(string[] args, CheapChecks? healthKitChecks)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        healthKitChecks?.AddTo(builder.Services.AddHealthKit());

        await using var app = builder.Build();
        app.MapGet("/ok", Ok);
        if (healthKitChecks is not null)
        {
            app.MapHealthKit();
        }

        await app.RunAsync();
        return 0;
    }

    private static Task Ok(HttpContext context) => context.Response.WriteAsync("ok");
}
