using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthKit.Grpc.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on 127.0.0.1, port 0, HTTP/2 cleartext only, with HealthKit and its gRPC service mapped, and a
/// <see cref="GrpcChannel"/> with the generated <see cref="Health.HealthClient"/> talking to it over the socket.
/// </summary>
internal sealed class GrpcTestServer : IAsyncDisposable
{
    private GrpcTestServer(WebApplication app, Uri address, Uri? http1Address)
    {
        App = app;
        Address = address;
        Http1Address = http1Address;
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // Kestrel allows 100 streams per connection; more concurrent calls open more connections instead of queueing.
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        Client = new Health.HealthClient(Channel);
    }

    public WebApplication App { get; }

    /// <summary>The HTTP/2-only listener, where the gRPC service is answered.</summary>
    public Uri Address { get; }

    /// <summary>A second listener, HTTP/1.1 only, with the HTTP endpoints, when the test asked for one.</summary>
    public Uri? Http1Address { get; }

    public GrpcChannel Channel { get; }

    public Health.HealthClient Client { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<GrpcTestServer> StartAsync(
        Action<IHealthChecksBuilder> checks,
        IDictionary<string, string?>? configuration = null,
        TestLogSink? logs = null,
        Action<HealthKitGrpcOptions>? grpc = null,
        bool http1Listener = false)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();

        // Tests that do not test draining should not wait for it.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00" });
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2);
            if (http1Listener)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
            }
        });
        var healthKit = builder.Services.AddHealthKit();
        checks(healthKit);
        healthKit.AddHealthKitGrpc(grpc ?? (_ => { }));

        var app = builder.Build();
        try
        {
            app.MapHealthKitGrpc();
            if (http1Listener)
            {
                app.MapHealthKit();
            }

            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        // Kestrel reports its addresses in the order the listeners were configured.
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(address => new Uri(address)).ToList();
        Assert.Equal(http1Listener ? 2 : 1, addresses.Count);
        return new GrpcTestServer(app, addresses[0], http1Listener ? addresses[1] : null);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
