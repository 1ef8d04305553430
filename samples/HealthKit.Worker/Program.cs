using System.Data.Common;
using HealthKit;
using HealthKit.Worker;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Container self-probe: `dotnet HealthKit.Worker.dll healthcheck ready` asks the probe server on
// HealthKit:ProbeServer:Urls and exits 0 or 1, no host built.
if (HealthKitProbe.TryRun(args, out var exitCode))
{
    return exitCode;
}

var builder = Host.CreateApplicationBuilder(args);

// The whole stop must fit in the host's shutdown timeout: HealthKit's drain (HealthKit:Lifecycle:DrainDelay, 5 s), then
// the consumer finishing the message in hand (Worker:ProcessingTime, well under a second), then the probe server's stop.
builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));

// The worker's own database: a SQLite file next to it. Any ADO.NET DbDataSource works the same way.
var sqlite = builder.Configuration.GetConnectionString("Sqlite") ?? "Data Source=healthkit-worker.db";
builder.Services.AddSingleton<DbDataSource>(_ => SqliteFactory.Instance.CreateDataSource(sqlite));

// The queue: a producer and a consumer in one process, as a stand-in for a broker's subscription. Their settings are under
// Worker:, not HealthKit:, where every key must be one of HealthKit's own settings.
builder.Services.AddOptions<WorkerOptions>().Bind(builder.Configuration.GetSection(WorkerOptions.SectionName)).ValidateOnStart();
builder.Services.AddSingleton<WorkQueue>();
builder.Services.AddHostedService<Producer>();
builder.Services.AddHostedService<Consumer>();

builder.Services.AddHealthKit()
    .AddCheck<ConsumerLagCheck>("lag", tags: [HealthKitTags.Ready])   // age of the oldest waiting message
    .AddDatabase()          // "database": SELECT 1 on the DbDataSource above; tagged ready
    .AddDiskSpace()         // "disk": free space where the worker lives; tagged ready
    .AddMemory()            // "memory": use against the container's, or the GC heap's, limit; tagged ready
    .AddProbeServer();      // HealthKit's endpoints on HealthKit:ProbeServer:Urls (http://+:8081 in appsettings.json)

var host = builder.Build();
await host.RunAsync();
return 0;
