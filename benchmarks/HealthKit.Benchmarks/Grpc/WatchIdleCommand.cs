using System.Diagnostics;
using System.Globalization;
using Grpc.Health.V1;
using Grpc.Net.Client;
using HealthKit.Grpc.Internal;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Benchmarks.Grpc;

/// <summary>
/// What idle Watch streams cost the server: its managed heap and working set per stream, and its CPU time per second
/// with none and with all of them open. The streams come from a child process (this program with
/// <c>watch-clients</c>), so the client's own memory and CPU are not counted.
/// </summary>
/// <remarks>
/// <c>watch-idle [--streams 1000] [--seconds 10]</c>. Bounded: the clients must be connected within 2 minutes, and the
/// child is killed when the measurement ends.
/// </remarks>
internal static class WatchIdleCommand
{
    private static readonly TimeSpan ConnectLimit = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(string[] args)
    {
        var streams = Option(args, "--streams", 1000);
        var seconds = Option(args, "--seconds", 10);

        await using var app = await GrpcLoopbackApp.StartAsync();
        var lifetime = app.App.Services.GetRequiredService<GrpcWatchLifetime>();

        // The server's own idle cost first, warmed by one Check so that the gRPC pipeline is built.
        using (var channel = GrpcChannel.ForAddress(app.Address))
        {
            await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "readiness" });
        }

        var idleCpu = await CpuMillisecondsPerSecondAsync(seconds);
        var before = Memory();

        using var clients = StartClients(app.Address, streams);
        var started = Stopwatch.GetTimestamp();
        while (lifetime.Watches < streams || !clients.Ready)
        {
            if (Stopwatch.GetElapsedTime(started) > ConnectLimit || clients.Process.HasExited)
            {
                Console.Error.WriteLine($"only {lifetime.Watches} of {streams} streams opened within {ConnectLimit}");
                return 1;
            }

            await Task.Delay(50);
        }

        var connected = Stopwatch.GetElapsedTime(started);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = Memory();
        var busyCpu = await CpuMillisecondsPerSecondAsync(seconds);
        var open = lifetime.Watches;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"streams open on the server:        {open} (all {streams} connected in {connected.TotalSeconds:0.0} s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"managed heap:                      {before.Managed / 1024.0:0} KiB -> {after.Managed / 1024.0:0} KiB, {(after.Managed - before.Managed) / (double)streams:0} bytes per stream"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"working set:                       {before.WorkingSet / 1048576.0:0.0} MiB -> {after.WorkingSet / 1048576.0:0.0} MiB, {(after.WorkingSet - before.WorkingSet) / 1024.0 / streams:0.0} KiB per stream"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server CPU, no stream:             {idleCpu:0.00} ms per second over {seconds} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"server CPU, {streams} idle streams: {busyCpu:0.00} ms per second over {seconds} s"));
        return open == streams ? 0 : 1;
    }

    /// <summary>The child's side: opens the streams, prints <c>ready</c> once each has its first message, waits for stdin to close.</summary>
    public static async Task<int> RunClientsAsync(string[] args)
    {
        var address = new Uri(args[Array.IndexOf(args, "--address") + 1]);
        var streams = Option(args, "--streams", 1000);
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // Kestrel allows 100 streams per connection; the rest open more connections rather than queue.
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var client = new Health.HealthClient(channel);
        var calls = Enumerable.Range(0, streams).Select(_ => client.Watch(new HealthCheckRequest { Service = "readiness" })).ToList();
        await Task.WhenAll(calls.Select(call => call.ResponseStream.MoveNext(CancellationToken.None)));
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync();
        foreach (var call in calls)
        {
            call.Dispose();
        }

        return 0;
    }

    private static Clients StartClients(Uri address, int streams)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(WatchIdleCommand).Assembly.Location);
        }

        foreach (var argument in (string[])["watch-clients", "--address", address.ToString(), "--streams", streams.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }

        return new Clients(Process.Start(start)!);
    }

    private static (long Managed, long WorkingSet) Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    private static async Task<double> CpuMillisecondsPerSecondAsync(int seconds)
    {
        using var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        process.Refresh();
        return (process.TotalProcessorTime - cpu).TotalMilliseconds / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>The child process; disposing it closes its stdin and kills it if it has not ended within 10 s.</summary>
    private sealed class Clients : IDisposable
    {
        private readonly Task<string?> _ready;

        public Clients(Process process)
        {
            Process = process;
            _ready = process.StandardOutput.ReadLineAsync();
        }

        public Process Process { get; }

        public bool Ready => _ready.IsCompletedSuccessfully && _ready.Result == "ready";

        public void Dispose()
        {
            Process.StandardInput.Close();
            if (!Process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }
}
