using BenchmarkDotNet.Running;
using HealthKit.Benchmarks.Endpoints;
using HealthKit.Benchmarks.Grpc;
using HealthKit.Benchmarks.Probes;
using HealthKit.Benchmarks.Throughput;

if (args.Length > 0 && args[0] == "probes")
{
    return await ProbeCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "watch-idle")
{
    return await WatchIdleCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "watch-clients")
{
    return await WatchIdleCommand.RunClientsAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "kestrel-allocations")
{
    return await KestrelAllocationCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "serve-bare")
{
    return await ThroughputServer.RunBareAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "serve-healthkit")
{
    return await ThroughputServer.RunHealthKitAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(ProbeCommand).Assembly).Run(args);
return 0;
