using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Infrastructure;

/// <summary>An in-process application on a TestServer, with HealthKit mapped.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private TestHost(WebApplication app)
    {
        App = app;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>
    /// A host on <paramref name="time"/>'s clock, with the checks <paramref name="checks"/> adds to <c>AddHealthKit()</c>.
    /// </summary>
    public static Task<TestHost> StartWithChecksAsync(
        TimeProvider time,
        Action<IHealthChecksBuilder> checks,
        Action<HealthKitOptions>? options = null,
        TestLogSink? logs = null,
        string environment = "Production",
        IDictionary<string, string?>? configuration = null) =>
        StartAsync(
            b =>
            {
                b.Services.AddSingleton(time);
                checks(b.Services.AddHealthKit(options ?? (_ => { })));
            },
            configuration: configuration,
            environment: environment,
            logs: logs);

    public static async Task<TestHost> StartAsync(
        Action<WebApplicationBuilder> configure,
        Action<WebApplication>? map = null,
        IDictionary<string, string?>? configuration = null,
        string environment = "Production",
        TestLogSink? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseTestServer();

        // The output folder holds the sample's appsettings.json (it is referenced for its own tests); start clean.
        builder.Configuration.Sources.Clear();

        // Production hosts hold their stop for a drain delay; tests that do not test draining should not wait for it.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00" });
        builder.Logging.ClearProviders();
        if (logs is not null)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(logs);
        }

        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        configure(builder);
        var app = builder.Build();
        try
        {
            (map ?? (static a => a.MapHealthKit()))(app);
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new TestHost(app);
    }

    /// <summary>Sets keys (null removes) in the running app's configuration and reloads it, as a file edit would.</summary>
    public void Edit(params (string Key, string? Value)[] changes)
    {
        var configuration = (IConfigurationRoot)App.Configuration;
        foreach (var (key, value) in changes)
        {
            configuration[key] = value;
        }

        configuration.Reload();
    }

    public async Task<Response> GetAsync(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        using var response = await Client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new Response(response, body);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }

    internal sealed class Response
    {
        public Response(HttpResponseMessage message, string body)
        {
            StatusCode = (int)message.StatusCode;
            Body = body;
            ContentType = message.Content.Headers.ContentType?.MediaType;
            CacheControl = message.Headers.CacheControl?.ToString();
            Headers = message.Headers.Concat(message.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        }

        public int StatusCode { get; }

        public string Body { get; }

        public string? ContentType { get; }

        public string? CacheControl { get; }

        public IReadOnlyDictionary<string, string> Headers { get; }

        public JsonElement Json => JsonDocument.Parse(Body).RootElement;

        public string Status => Json.GetProperty("status").GetString()!;

        public JsonElement Entry(string name) => Json.GetProperty("entries").GetProperty(name);

        public string? Description(string name) => Entry(name).GetProperty("description").GetString();

        public string[] EntryNames => [.. Json.GetProperty("entries").EnumerateObject().Select(p => p.Name)];
    }
}
