using System.Text.Json;
using HealthKit.ProbeServer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace HealthKit.Tests.ProbeServer;

/// <summary>
/// A generic host with no web server, as a worker service builds it, running HealthKit's probe server on a free loopback
/// port; requests go to that port over real TCP.
/// </summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private WorkerHost(IHost host)
    {
        Host = host;
        Addresses = [.. host.Services.GetRequiredService<ProbeServerService>().Addresses.Select(a => new Uri(a))];
        Address = Addresses[0];
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public IHost Host { get; }

    /// <summary>The probe server's first address: its first HTTP/1.1 listener.</summary>
    public Uri Address { get; }

    /// <summary>Every address, in the order configured: <c>Urls</c>, then <c>Http2Urls</c>.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// Builds the host (no configuration files, no drain unless <paramref name="configuration"/> sets one), lets
    /// <paramref name="configure"/> register services, and starts it.
    /// </summary>
    public static async Task<WorkerHost> StartAsync(Action<HostApplicationBuilder> configure, IDictionary<string, string?>? configuration = null)
    {
        var builder = CreateBuilder(configuration);
        configure(builder);
        var host = builder.Build();
        try
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            return new WorkerHost(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>A worker's builder: no configuration files (the output folder holds the samples'), no logging providers.</summary>
    public static HostApplicationBuilder CreateBuilder(IDictionary<string, string?>? configuration = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Production",
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00",
            ["HealthKit:ProbeServer:Urls"] = "http://127.0.0.1:0",
        });
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        return builder;
    }

    public async Task<(int StatusCode, JsonElement Json)> GetJsonAsync(string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, JsonDocument.Parse(body).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }
}
