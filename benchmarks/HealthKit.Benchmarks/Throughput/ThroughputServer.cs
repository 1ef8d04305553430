using System.Buffers;
using System.Globalization;
using System.Text;
using HealthKit.Benchmarks.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthKit.Benchmarks.Throughput;

/// <summary>
/// The two applications that <c>benchmarks/throughput.sh</c> loads with <c>wrk</c>, as processes of their own:
/// <c>serve-bare [--answers L1,L2,...] --urls URL</c>, Kestrel with one endpoint, <c>GET /ok</c> (200, <c>ok</c>), and
/// one <c>GET /answer-L</c> per length given, and
/// <c>serve-healthkit --checks N --urls URL</c>, the same application plus <c>AddHealthKit()</c> with its defaults and
/// no <c>DetailsPolicy</c>, N cheap checks tagged <c>ready</c> with a one-day <c>CacheTtl</c> (<see cref="CheapChecks"/>),
/// and <c>MapHealthKit()</c>.
/// </summary>
/// <remarks>
/// <para>
/// Both are built the same way, so that they differ only by HealthKit: <c>WebApplication.CreateBuilder</c> as the
/// sample uses it (configuration from the environment and the command line, so <c>--urls</c> and
/// <c>HealthKit__...</c> variables apply), the Production environment whatever the shell says, and no logging provider
/// (console logging would cost more per request than what is measured). The process runs until it is killed.
/// </para>
/// <para>
/// <c>/answer-L</c> is a health answer's HTTP shape without HealthKit: 200, <c>Content-Type: application/json</c>, the
/// three no-cache headers HealthKit sends, <c>Content-Length</c>, and a JSON body of exactly L bytes (at least 33),
/// prepared once and written with one flush, as a rendered answer is. It is the floor for an answer of that size: what
/// Kestrel, the runtime and the kernel cost to send those bytes, which no cache in HealthKit can remove.
/// </para>
/// </remarks>
internal static class ThroughputServer
{
    /// <summary>The shortest body <see cref="Answer"/> can make: the JSON around its padding.</summary>
    internal const int ShortestAnswer = 33;

    public static Task<int> RunBareAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--answers");
        if (at < 0)
        {
            return RunAsync(args, healthKitChecks: null, answerLengths: []);
        }

        var lengths = at + 1 < args.Length ? args[at + 1].Split(',') : [];
        var parsed = new int[lengths.Length];
        for (var i = 0; i < lengths.Length; i++)
        {
            if (!int.TryParse(lengths[i], NumberStyles.None, CultureInfo.InvariantCulture, out parsed[i]) || parsed[i] is < ShortestAnswer or > 1_048_576)
            {
                parsed = [];
                break;
            }
        }

        if (parsed.Length == 0)
        {
            Console.Error.WriteLine($"usage: serve-bare [--answers L1,L2,...] --urls http://127.0.0.1:PORT   (each L from {ShortestAnswer} to 1048576 bytes)");
            return Task.FromResult(2);
        }

        return RunAsync([.. args[..at], .. args[(at + 2)..]], healthKitChecks: null, parsed);
    }

    public static Task<int> RunHealthKitAsync(string[] args)
    {
        var at = Array.IndexOf(args, "--checks");
        if (at < 0 || at + 1 >= args.Length || !int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var checks) || checks > 10_000)
        {
            Console.Error.WriteLine("usage: serve-healthkit --checks N --urls http://127.0.0.1:PORT   (N from 0 to 10000)");
            return Task.FromResult(2);
        }

        return RunAsync([.. args[..at], .. args[(at + 2)..]], new CheapChecks(checks), answerLengths: []);
    }

    private static async Task<int> RunAsync(string[] args, CheapChecks? healthKitChecks, int[] answerLengths)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        healthKitChecks?.AddTo(builder.Services.AddHealthKit());

        await using var app = builder.Build();
        app.MapGet("/ok", Ok);
        foreach (var length in answerLengths)
        {
            app.MapGet($"/answer-{length}", Answer(length));
        }

        if (healthKitChecks is not null)
        {
            app.MapHealthKit();
        }

        await app.RunAsync();
        return 0;
    }

    private static Task Ok(HttpContext context) => context.Response.WriteAsync("ok");

    /// <summary>
    /// A handler that answers as HealthKit's hit path does: status, content type, the no-cache headers and
    /// <c>Content-Length</c> set, then bytes prepared once written with one flush.
    /// </summary>
    internal static RequestDelegate Answer(int length)
    {
        var body = JsonOfLength(length);
        return context =>
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/json";
            response.Headers.CacheControl = "no-store, no-cache";
            response.Headers.Pragma = "no-cache";
            response.Headers.Expires = "Thu, 01 Jan 1970 00:00:00 GMT";
            response.ContentLength = body.Length;
            response.BodyWriter.Write(body);
            var flush = response.BodyWriter.FlushAsync(context.RequestAborted);
            return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
        };
    }

    /// <summary><c>{"status":"Healthy","padding":"xxx…"}</c>, exactly <paramref name="length"/> bytes.</summary>
    private static byte[] JsonOfLength(int length)
    {
        const string Head = "{\"status\":\"Healthy\",\"padding\":\"";
        const string Tail = "\"}";
        return Encoding.UTF8.GetBytes(Head + new string('x', length - Head.Length - Tail.Length) + Tail);
    }
}
