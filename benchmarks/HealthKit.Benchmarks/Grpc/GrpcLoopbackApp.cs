using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Benchmarks.Grpc;

/// <summary>
/// A real Kestrel server on 127.0.0.1, port 0, HTTP/2 cleartext only, with <c>MapHealthKit()</c> and
/// <c>MapHealthKitGrpc()</c> on the same listener, so an HTTP/2 GET of <c>/health/ready</c> and a gRPC Check of
/// <c>readiness</c> reach the same engine over the same protocol.
/// </summary>
internal sealed class GrpcLoopbackApp : IAsyncDisposable
{
    private GrpcLoopbackApp(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public static async Task<GrpcLoopbackApp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // 1,000 idle streams fit on ten connections at Kestrel's default of 100 streams each.
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
        });

        // The checks of the HTTP benchmarks, minus the disk: cheap, synchronous, on readiness.
        builder.Services.AddHealthKit()
            .AddCheck("first", () => HealthCheckResult.Healthy("first"), [HealthKitTags.Ready])
            .AddCheck("second", () => HealthCheckResult.Healthy("second"), [HealthKitTags.Ready])
            .AddCheck("third", () => HealthCheckResult.Healthy("third"), [HealthKitTags.Ready])
            .AddHealthKitGrpc();

        var app = builder.Build();
        app.MapHealthKit();
        app.MapHealthKitGrpc();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new GrpcLoopbackApp(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
