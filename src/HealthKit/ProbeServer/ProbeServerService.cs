using HealthKit.Internal;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.ProbeServer;

/// <summary>
/// The probe server: a Kestrel server of its own, started and stopped with the host, whose pipeline is routing, then
/// authentication and authorization when the application registered them, then HealthKit's endpoints and those added
/// with <c>MapOnProbeServer</c>. Its stop comes after the drain (which runs while hosted services are stopping), so it
/// answers readiness with 503 throughout the drain.
/// </summary>
internal sealed class ProbeServerService(
    IServiceProvider services,
    IOptions<HealthKitOptions> options,
    ProbeServerMappings mappings,
    IEnumerable<ProbeServerEndpoints> endpoints,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("HealthKit.ProbeServer");
    private KestrelServer? _server;

    /// <summary>The addresses the server listens on once started, with the ports it got for port 0.</summary>
    public IReadOnlyList<string> Addresses { get; private set; } = [];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var addresses = ProbeServerAddress.ParseAll(options.Value.ProbeServer, errors);
        if (errors.Count > 0)
        {
            // Validation at startup reports these first; this covers a host that skips it.
            throw new OptionsValidationException(Options.DefaultName, typeof(HealthKitOptions), errors);
        }

        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        foreach (var address in addresses)
        {
            var protocols = address.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1;
            if (address.Localhost)
            {
                kestrel.ListenLocalhost(address.Port, listen => listen.Protocols = protocols);
            }
            else if (address.Address is { } ip)
            {
                kestrel.Listen(ip, address.Port, listen => listen.Protocols = protocols);
            }
            else
            {
                kestrel.ListenAnyIP(address.Port, listen => listen.Protocols = protocols);
            }
        }

        var transport = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        var server = new KestrelServer(Options.Create(kestrel), transport, loggerFactory);
        _server = server;
        var application = new ProbeServerApplication(BuildPipeline(server), new DefaultHttpContextFactory(services));
        try
        {
            await server.StartAsync(application, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            var urls = string.Join(", ", addresses.Select(a => a.Url));
            throw new InvalidOperationException(
                $"The probe server could not listen on {urls} ({ProbeServerAddress.UrlsKey} and {ProbeServerAddress.Http2UrlsKey}): {ex.Message}. Another process, or the application's own server, may hold that port; choose another.",
                ex);
        }

        Addresses = [.. server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []];
        var listening = string.Join(", ", Addresses);
        Log.ProbeServerStarted(_logger, listening);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            await server.StopAsync(cancellationToken).ConfigureAwait(false);
            Log.ProbeServerStopped(_logger);
        }
    }

    public void Dispose() => _server?.Dispose();

    private RequestDelegate BuildPipeline(KestrelServer server)
    {
        var app = new ApplicationBuilder(services, server.Features);
        app.UseRouting();

        // So that HealthKit:DetailsPolicy (and any authorization convention given to MapHealthKit) sees the caller as it
        // would on the application's own listener. The application's other middleware does not run here.
        if (services.GetService<IAuthenticationSchemeProvider>() is not null)
        {
            app.UseAuthentication();
        }

        if (services.GetService<IPolicyEvaluator>() is not null)
        {
            app.UseAuthorization();
        }

        app.UseEndpoints(routes =>
        {
            foreach (var (prefix, conventions) in mappings.HealthKit())
            {
                conventions.ApplyTo(HealthKitEndpointRouteBuilderExtensions.MapOnProbeServer(routes, prefix));
            }

            foreach (var endpoint in endpoints)
            {
                endpoint.Map(routes);
            }
        });
        return app.Build();
    }
}
