using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// A <see cref="WebApplication"/> served by Kestrel on 127.0.0.1 on a free port, built as <c>serve-bare</c> and
/// <c>serve-healthkit</c> build theirs (<c>WebApplication.CreateBuilder</c>, Production, no logging provider) but with
/// only the configuration given, and <see cref="LoopbackHttpClient"/> connections to it.
/// </summary>
internal sealed class LoopbackApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly int _port;
    private readonly List<LoopbackHttpClient> _clients = [];

    private LoopbackApp(WebApplication app, int port)
    {
        _app = app;
        _port = port;
    }

    public static async Task<LoopbackApp> StartAsync(
        Action<WebApplicationBuilder> configure,
        Action<WebApplication> map,
        IDictionary<string, string?>? configuration = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(configuration ?? new Dictionary<string, string?>());
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        configure(builder);

        var app = builder.Build();
        map(app);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new LoopbackApp(app, new Uri(address).Port);
    }

    /// <summary>A new connection that sends <c>GET <paramref name="path"/></c>; disposed with the application.</summary>
    public LoopbackHttpClient Connect(string path)
    {
        var client = new LoopbackHttpClient(_port, path);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
