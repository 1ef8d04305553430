using System.Data.Common;
using HealthKit;
using Microsoft.Data.Sqlite;
using OpenTelemetry.Metrics;

// Container self-probe: `dotnet HealthKit.Sample.dll healthcheck ready` asks the running app and exits 0 or 1, no host built.
if (HealthKitProbe.TryRun(args, out var exitCode))
{
    return exitCode;
}

var builder = WebApplication.CreateBuilder(args);

// The sample's own database: a SQLite file next to the app. Any ADO.NET DbDataSource works the same way.
var sqlite = builder.Configuration.GetConnectionString("Sqlite") ?? "Data Source=healthkit-sample.db";
builder.Services.AddSingleton<DbDataSource>(_ => SqliteFactory.Instance.CreateDataSource(sqlite));

var health = builder.Services.AddHealthKit()
    .AddDatabase()          // "database": SELECT 1 on the DbDataSource above; tagged ready
    .AddDiskSpace()         // "disk": free space where the app lives; tagged ready
    .AddResponseLatency();  // "latency": p50/p95/p99 of this app's requests over 60 s; /health only

// Memory and error rate.
health.AddMemory()          // "memory": use against the container's, or the GC heap's, limit; tagged ready
    .AddErrorRate();        // "errors": share of 5xx answers and thrown requests, same 60 s window as latency; /health only

// PostgreSQL too, when a connection string is configured (for example the environment variable ConnectionStrings__Postgres).
if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("Postgres")))
{
    health.AddPostgres("Postgres");     // "postgres": one pooled round trip; tagged ready
}

// Status changes: one log line each, and a POST to a webhook when HealthKit:Webhook:Url is configured.
health.AddHealthStatusListener<StatusChangeLogger>();
if (!string.IsNullOrWhiteSpace(builder.Configuration["HealthKit:Webhook:Url"]))
{
    health.AddWebhookListener();
}

// A management port, when HealthKit:ProbeServer is configured (samples/kubernetes/deployment-grpc.yaml sets it): the
// HealthKit endpoints move off the app's listener to HealthKit:ProbeServer:Urls, and grpc.health.v1 answers on its
// HTTP/2 port, HealthKit:ProbeServer:Http2Urls, for Kubernetes' grpc probes and gRPC load balancers.
if (builder.Configuration.GetSection("HealthKit:ProbeServer").Exists())
{
    health.AddProbeServer()
        .AddHealthKitGrpc()
        .MapOnProbeServer(routes => routes.MapHealthKitGrpc());
}

// Test-only: checks that block their thread, as a synchronous driver call does, for the liveness measurement in
// benchmarks/. Off unless Sample:BlockingChecks is set; at most 16 checks, each blocking at most 60 s.
var blockingChecks = Math.Clamp(builder.Configuration.GetValue<int>("Sample:BlockingChecks"), 0, 16);
var blockFor = TimeSpan.FromMilliseconds(Math.Clamp(builder.Configuration.GetValue("Sample:BlockMilliseconds", 20_000), 0, 60_000));
for (var i = 1; i <= blockingChecks; i++)
{
    health.AddCheck($"blocking-{i}", new SampleBlockingCheck(blockFor, builder.Configuration.GetValue<bool>("Sample:BlockAfterAwait")), tags: [HealthKitTags.Ready]);
}

// Metrics: HealthKit's meter on /metrics in the Prometheus format, when Sample:Prometheus is true. The exporter package
// is a pre-release. (Not under HealthKit:, where every key must be one of HealthKit's own settings.)
var prometheus = builder.Configuration.GetValue<bool>("Sample:Prometheus");
if (prometheus)
{
    builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(HealthKitTelemetry.MeterName).AddPrometheusExporter());
}

var app = builder.Build();

await SampleData.SeedAsync(app.Services.GetRequiredService<DbDataSource>());

app.MapGet("/", () => Results.Text("HealthKit sample. Try /health, /health/live, /health/ready, /todos and /slow?ms=250.\n"));

app.MapGet("/todos", async (DbDataSource db, CancellationToken cancellationToken) =>
    Results.Ok(await SampleData.ListTodosAsync(db, cancellationToken)));

// Slow on purpose, so the latency window has something to show. Bounded: at most 2 s.
app.MapGet("/slow", async (int? ms, TimeProvider time, CancellationToken cancellationToken) =>
{
    var delay = TimeSpan.FromMilliseconds(Math.Clamp(ms ?? 250, 0, 2000));
    await Task.Delay(delay, time, cancellationToken);
    return Results.Ok(new { sleptMs = delay.TotalMilliseconds });
});

// Test-only: keeps memory allocated so the memory check has something to judge. Off unless Sample:AllocateEndpoint is
// true; each call keeps at most 64 MiB more, and the endpoint keeps at most 1 GiB in all.
if (app.Configuration.GetValue<bool>("Sample:AllocateEndpoint"))
{
    app.MapPost("/sample/allocate", (int? mb) => Results.Ok(new { retainedMiB = SampleAllocations.Keep(Math.Clamp(mb ?? 16, 1, 64)) }));
}

app.MapHealthKit();
if (prometheus)
{
    app.MapPrometheusScrapingEndpoint();
}

app.Run();
return 0;

/// <summary>The sample's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
