using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using HealthKit.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthKit.Benchmarks.Probes;

/// <summary>
/// Counts the queries that probe requests cost a PostgreSQL server: HealthKit's generic database check and its
/// PostgreSQL check against ASP.NET Core's <c>MapHealthChecks</c> with Xabaril's <c>AddNpgSql</c>, each served by Kestrel
/// on 127.0.0.1.
/// </summary>
internal static class ProbeCommand
{
    private static readonly TimeSpan BackendExitLimit = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args)
    {
        ProbeSettings settings;
        try
        {
            settings = ProbeSettings.Parse(args);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 2;
        }

        // Every scenario is bounded: its spread, plus a minute for the app, the requests' own timeouts and the counters.
        using var limit = new CancellationTokenSource((settings.Spread + TimeSpan.FromMinutes(1)) * settings.Scenarios.Length);
        await using var counters = new ServerCounters(settings.Connection);
        await counters.InitializeAsync(limit.Token);

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{settings.Requests} GET {settings.Path}, at most {settings.Concurrency} at a time, spread over {settings.Spread.TotalSeconds:0.#} s; database '{counters.Database}'; pg_stat_statements: {(counters.HasStatements ? "yes" : "no")}"));
        Console.WriteLine();

        var results = new List<ProbeResult>();
        foreach (var scenario in settings.Scenarios)
        {
            results.Add(await RunScenarioAsync(scenario, settings, counters, limit.Token));
        }

        Console.WriteLine();
        Console.WriteLine("| Scenario | Requests | 200 | Test seconds | TTL | Target: seconds / TTL + 1 | `SELECT 1` run | All statements | Transactions |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var result in results)
        {
            Console.WriteLine(result.ToMarkdownRow());
        }

        return results.All(r => r.Ok == r.Requests) ? 0 : 1;
    }

    private static async Task<ProbeResult> RunScenarioAsync(string scenario, ProbeSettings settings, ServerCounters counters, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(settings.Connection);
        await using (dataSource)
        {
            // The first connection of a data source loads the server's types; do that before counting, then close every
            // connection so that the counters start from flushed statistics.
            await using (var warm = await dataSource.OpenConnectionAsync(cancellationToken))
            {
            }

            dataSource.Clear();
            await counters.WaitForNoBackendsAsync(BackendExitLimit, cancellationToken);
            var before = await counters.ReadTransactionsAsync(cancellationToken);
            await counters.ResetStatementsAsync(cancellationToken);

            var app = Build(scenario, dataSource);
            TimeSpan? ttl = null;
            LoadResult load;
            await using (app)
            {
                await app.StartAsync(cancellationToken);
                if (CheckName(scenario) is { } check)
                {
                    ttl = app.Services.GetRequiredService<HealthEngine>().Find(check)!.Policy.CacheTtl;
                }

                var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
                load = await ProbeLoad.RunAsync(new Uri(new Uri(address), settings.Path), settings, cancellationToken);
                await app.StopAsync(cancellationToken);
            }

            dataSource.Clear();
            await counters.WaitForNoBackendsAsync(BackendExitLimit, cancellationToken);
            var transactions = await counters.ReadTransactionsAsync(cancellationToken) - before;
            var statements = await counters.ReadStatementsAsync(cancellationToken);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{scenario}: {load.Ok} x 200, {load.Other} other ({load.FirstError ?? "no errors"}), {load.Elapsed.TotalSeconds:0.00} s, {transactions} transactions"));
            foreach (var (query, calls) in statements)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {calls,6}  {query}"));
            }

            return new ProbeResult(
                scenario,
                settings.Requests,
                load.Ok,
                load.Elapsed,
                ttl,
                transactions,
                counters.HasStatements ? statements.Sum(s => s.Calls) : null,
                counters.HasStatements ? statements.Where(s => s.Query.StartsWith("SELECT $1", StringComparison.Ordinal)).Sum(s => s.Calls) : null);
        }
    }

    private static WebApplication Build(string scenario, NpgsqlDataSource dataSource)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton<DbDataSource>(dataSource);

        if (scenario is "healthkit" or "postgres")
        {
            var checks = builder.Services.AddHealthKit();
            if (scenario == "healthkit")
            {
                checks.AddDatabase();
            }
            else
            {
                checks.AddPostgres();
            }

            var app = builder.Build();
            app.MapHealthKit();
            return app;
        }

        builder.Services.AddHealthChecks()
            .AddNpgSql(services => services.GetRequiredService<NpgsqlDataSource>(), name: "database", tags: [HealthKitTags.Ready]);
        var baseline = builder.Build();
        baseline.MapHealthChecks("/health");
        baseline.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(HealthKitTags.Ready) });
        return baseline;
    }

    /// <summary>The HealthKit check a scenario registers, or <see langword="null"/> for the ASP.NET Core baseline.</summary>
    private static string? CheckName(string scenario) => scenario switch
    {
        "healthkit" => DatabaseHealthChecksBuilderExtensions.DefaultName,
        "postgres" => PostgresHealthChecksBuilderExtensions.DefaultName,
        _ => null,
    };
}

/// <summary>
/// One scenario's outcome. Statements come from pg_stat_statements; transactions from pg_stat_database, where every new
/// connection counts one as well.
/// </summary>
internal sealed record ProbeResult(
    string Scenario,
    int Requests,
    int Ok,
    TimeSpan Elapsed,
    TimeSpan? Ttl,
    long Transactions,
    long? Statements,
    long? ValidationQueries)
{
    public string ToMarkdownRow()
    {
        var seconds = Elapsed.TotalSeconds;
        var name = Scenario switch
        {
            "healthkit" => "HealthKit `AddDatabase()` + `MapHealthKit`",
            "postgres" => "HealthKit `AddPostgres()` + `MapHealthKit`",
            _ => "`AddNpgSql()` + `MapHealthChecks`",
        };
        var ttl = Ttl is { } t ? t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : "none";
        var target = Ttl is { } value && value > TimeSpan.Zero ? (seconds / value.TotalSeconds) + 1 : (double?)null;
        return string.Create(
            CultureInfo.InvariantCulture,
            $"| {name} | {Requests} | {Ok} | {seconds:0.00} | {ttl} | {(target is { } bound ? bound.ToString("0.00", CultureInfo.InvariantCulture) : "n/a")} | {Judge(ValidationQueries, target)} | {Judge(Statements, target)} | {Judge(Transactions, target)} |");
    }

    private static string Judge(long? count, double? target) => count switch
    {
        null => "n/a",
        { } value when target is { } bound => string.Create(CultureInfo.InvariantCulture, $"{value} ({(value <= bound ? "meets" : "misses")})"),
        { } value => value.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>Sends the probe requests over loopback, bounded in number, concurrency and time.</summary>
internal static class ProbeLoad
{
    public static async Task<LoadResult> RunAsync(Uri target, ProbeSettings settings, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency, UseProxy = false };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var next = -1;
        var ok = 0;
        var other = 0;
        string? firstError = null;
        var interval = settings.Requests > 1 ? settings.Spread / settings.Requests : TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();

        async Task WorkerAsync()
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < settings.Requests)
            {
                var due = interval * index - Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }

                try
                {
                    using var response = await client.GetAsync(target, HttpCompletionOption.ResponseContentRead, cancellationToken);
                    if ((int)response.StatusCode == 200)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref other);
                        Interlocked.CompareExchange(ref firstError, $"HTTP {(int)response.StatusCode}", null);
                    }
                }
                catch (HttpRequestException ex)
                {
                    Interlocked.Increment(ref other);
                    Interlocked.CompareExchange(ref firstError, ex.Message, null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        return new LoadResult(ok, other, Stopwatch.GetElapsedTime(started), firstError);
    }
}

/// <summary>What the probe requests got back.</summary>
internal sealed record LoadResult(int Ok, int Other, TimeSpan Elapsed, string? FirstError);
