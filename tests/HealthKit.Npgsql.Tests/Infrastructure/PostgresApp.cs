using System.Globalization;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>
/// An application on a TestServer with HealthKit and PostgreSQL checks, every log line captured. Each probe runs the
/// checks (no caching), endpoints wait up to 5 s, and checks get <c>timeout</c> (1 s unless told).
/// </summary>
internal sealed class PostgresApp : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    /// <summary>What an answer may take beyond the check's timeout on a busy two-core machine.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private readonly List<string> _bodies = [];

    private PostgresApp(TestHost host, TestLogSink logs, TimeSpan timeout)
    {
        Host = host;
        Logs = logs;
        Timeout = timeout;
    }

    public TestHost Host { get; }

    public TestLogSink Logs { get; }

    public TimeSpan Timeout { get; }

    public IServiceProvider Services => Host.Services;

    public static async Task<PostgresApp> StartAsync(
        Action<IHealthChecksBuilder> addChecks,
        Action<IServiceCollection>? services = null,
        TimeSpan? timeout = null,
        IDictionary<string, string?>? configuration = null,
        string environment = "Development")
    {
        var checkTimeout = timeout ?? DefaultTimeout;
        var settings = new Dictionary<string, string?>
        {
            ["HealthKit:Endpoints:Health:Deadline"] = "00:00:05",
            ["HealthKit:Endpoints:Ready:Deadline"] = "00:00:05",
            ["HealthKit:Defaults:Timeout"] = checkTimeout.ToString("c", CultureInfo.InvariantCulture),
            ["HealthKit:Defaults:CacheTtl"] = "00:00:00",
            ["HealthKit:Defaults:FailureCacheTtl"] = "00:00:00",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var logs = new TestLogSink();
        var host = await TestHost.StartAsync(
            builder =>
            {
                services?.Invoke(builder.Services);
                addChecks(builder.Services.AddHealthKit());
            },
            configuration: settings,
            environment: environment,
            logs: logs);
        return new PostgresApp(host, logs, checkTimeout);
    }

    /// <summary>Starts an application with one check, <c>postgres</c>, on <paramref name="connectionString"/>.</summary>
    public static Task<PostgresApp> StartAsync(string connectionString, Action<PostgresCheckOptions> configure) =>
        StartAsync(checks => checks.AddPostgres(PostgresHealthChecksBuilderExtensions.DefaultName, o =>
        {
            o.ConnectionString = connectionString;
            configure(o);
        }));

    /// <summary>The description of one entry in a response at the Full detail level.</summary>
    public static string? Description(TestHost.Response response, string name = PostgresHealthChecksBuilderExtensions.DefaultName) =>
        response.Entry(name).GetProperty("description").GetString();

    /// <summary>A data source as an application registers it: its own settings, the application's loggers.</summary>
    public static NpgsqlDataSource CreateDataSource(IServiceProvider services, string connectionString) =>
        new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(services.GetRequiredService<ILoggerFactory>()).Build();

    /// <summary>Gets a HealthKit endpoint, timing the request; the body is kept for <see cref="AssertNoSecrets"/>.</summary>
    public async Task<(TestHost.Response Response, TimeSpan Elapsed)> GetAsync(string path = "/health/ready")
    {
        var started = TimeProvider.System.GetTimestamp();
        var response = await Host.GetAsync(path);
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        lock (_bodies)
        {
            _bodies.Add(response.Body);
        }

        return (response, elapsed);
    }

    /// <summary>Gets the per-check endpoint of one check: the real engine runs that check alone.</summary>
    public Task<(TestHost.Response Response, TimeSpan Elapsed)> CheckAsync(string name = PostgresHealthChecksBuilderExtensions.DefaultName) =>
        GetAsync($"/health/checks/{name}");

    /// <summary>
    /// Waits until the engine holds no run of <paramref name="names"/>, neither in flight nor abandoned: a check cut at its
    /// timeout has answered its cancellation, so that the next request reaches the check itself.
    /// </summary>
    public Task WaitUntilSettledAsync(params string[] names)
    {
        var engine = Services.GetRequiredService<HealthKit.Engine.HealthEngine>();
        var slots = names.Select(name => engine.Find(name) ?? throw new ArgumentException($"no check named '{name}'", nameof(names))).ToList();
        return Eventually.WaitUntilAsync(() => slots.TrueForAll(slot => slot.RunState == (false, false)), TimeSpan.FromSeconds(5));
    }

    /// <summary>Asserts that an answer came within the check's timeout plus <see cref="Margin"/>.</summary>
    public void AssertInTime(TimeSpan elapsed)
    {
        Report(elapsed);
        Assert.True(elapsed < Timeout + Margin, $"answered after {elapsed}; the check's timeout is {Timeout}");
    }

    /// <summary>Asserts that an answer came when the check's timeout ran out, not before and not much after.</summary>
    public void AssertAtTimeout(TimeSpan elapsed)
    {
        Report(elapsed);
        Assert.InRange(elapsed, Timeout - TimeSpan.FromMilliseconds(100), Timeout + Margin);
    }

    /// <summary>
    /// Asserts that no response body and no log line (message or exception) so far contains any password
    /// a test used.
    /// </summary>
    public void AssertNoSecrets()
    {
        string[] texts;
        lock (_bodies)
        {
            texts = [.. _bodies, .. Logs.Entries.Select(e => e.Message), .. Logs.Entries.Select(e => e.Exception ?? string.Empty)];
        }

        Assert.NotEmpty(texts);
        foreach (var secret in PostgresCluster.Secrets)
        {
            Assert.DoesNotContain(texts, text => text.Contains(secret, StringComparison.Ordinal));
        }
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    /// <summary>Writes the measured time to the test's output, where a run with live output shows it.</summary>
    private void Report(TimeSpan elapsed) => TestContext.Current.TestOutputHelper?.WriteLine(
        string.Create(CultureInfo.InvariantCulture, $"answered after {elapsed.TotalMilliseconds:0} ms; the check's timeout is {Timeout.TotalMilliseconds:0} ms"));
}
