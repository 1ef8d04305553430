using HealthKit.Internal;
using HealthKit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace HealthKit.Tests.Publishing;

/// <summary>
/// Microsoft's own publisher service (real timers: its Period cannot be faked, and is at least a second) driving
/// publishers from the engine. Each test is a class of its own so that their waits for the publisher's period overlap.
/// </summary>
public abstract class PublisherTests : IDisposable
{
    private protected const string Secret = "Sup3rS3cret-40aa";
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private protected readonly string _file = Path.Combine(Path.GetTempPath(), $"healthkit-publish-{Guid.NewGuid():N}.db");

    private protected static Task<TestHost> Start(Action<IHealthChecksBuilder> checks, TestLogSink? logs = null, Action<HealthCheckPublisherOptions>? publisher = null) =>
        TestHost.StartAsync(
            b =>
            {
                checks(b.Services.AddHealthKit(o =>
                {
                    o.Defaults.CacheTtl = TimeSpan.FromHours(1);
                    o.ReplaceHealthCheckService = true;
                }));
                b.Services.Configure<HealthCheckPublisherOptions>(o =>
                {
                    o.Delay = TimeSpan.Zero;
                    o.Period = Period;
                    publisher?.Invoke(o);
                });
            },
            logs: logs);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
        GC.SuppressFinalize(this);
    }
}

public sealed class PublisherDatabaseTests : PublisherTests
{
    [Fact]
    public async Task PublisherService_WithEndpoints_QueriesDatabaseOncePerTtl()
    {
        // Each run of the check is one real query, counted by the database itself.
        var dataSource = SqliteFactory.Instance.CreateDataSource($"Data Source={_file};Pooling=False");
        await using (dataSource)
        {
            await using (var setup = dataSource.CreateCommand("CREATE TABLE probes (n INTEGER NOT NULL); INSERT INTO probes VALUES (0);"))
            {
                await setup.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }

            var publisher = new RecordingPublisher();
            await using (var host = await Start(c =>
            {
                c.Services.AddSingleton<IHealthCheckPublisher>(publisher);
                c.AddDatabase("database", o =>
                {
                    o.DataSource = dataSource;
                    o.Query = "UPDATE probes SET n = n + 1 RETURNING n";
                });
            }))
            {
                while (publisher.Reports.Count < 3)
                {
                    Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
                    Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
                    await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);
                }
            }

            await using var count = dataSource.CreateCommand("SELECT n FROM probes");
            Assert.Equal(1L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
            Assert.All(publisher.Reports, r => Assert.Equal(HealthStatus.Healthy, r.Entries["database"].Status));
        }
    }
}

public sealed class PublisherThrowingTests : PublisherTests
{
    [Fact]
    public async Task PublisherService_ThrowingPublisher_LoggedOnceWithoutSecret_EndpointsUnaffected()
    {
        var logs = new TestLogSink();
        var throwing = new ThrowingPublisher("publish failed: ApiKey=" + Secret);
        var good = new RecordingPublisher();
        await using var host = await Start(
            c =>
            {
                c.Services.AddSingleton<IHealthCheckPublisher>(throwing);
                c.Services.AddSingleton<IHealthCheckPublisher>(good);
                c.AddCheck("db", new CountingCheck());
            },
            logs);

        await Eventually.True(() => throwing.Calls >= 3 && good.Reports.Count >= 3);
        var response = await host.GetAsync("/health");

        Assert.Equal(200, response.StatusCode);
        var failed = Assert.Single(logs.ForEvent(Log.Events.PublisherFailed, "HealthKitPublisherFailed"));
        Assert.Contains(nameof(ThrowingPublisher), failed.Message, StringComparison.Ordinal);
        Assert.NotNull(failed.Exception);
        Assert.DoesNotContain(Secret, failed.Exception, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error && e.EventId.Id != Log.Events.PublisherFailed);
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains(Secret, StringComparison.Ordinal) || e.Exception?.Contains(Secret, StringComparison.Ordinal) == true);
    }
}

public sealed class PublisherHangingTests : PublisherTests
{
    [Fact]
    public async Task PublisherService_HangingPublisher_LoggedOnce_NotCalledAgain_OthersStillPublish()
    {
        var logs = new TestLogSink();
        var hanging = new HangingPublisher();
        var good = new RecordingPublisher();
        await using var host = await Start(
            c =>
            {
                c.Services.AddSingleton<IHealthCheckPublisher>(hanging);
                c.Services.AddSingleton<IHealthCheckPublisher>(good);
                c.AddCheck("db", new CountingCheck());
            },
            logs,
            o => o.Timeout = TimeSpan.FromMilliseconds(200));

        await Eventually.True(() => good.Reports.Count >= 3);

        // The timeout is logged when the hanging call's wait ends, on a thread of its own: under load that can come after
        // the other publisher's reports, but it comes once.
        await Eventually.True(() => logs.ForEvent(Log.Events.PublisherTimedOut, "HealthKitPublisherTimedOut").Any());
        Assert.Equal(1, hanging.Calls);
        var timedOut = Assert.Single(logs.ForEvent(Log.Events.PublisherTimedOut, "HealthKitPublisherTimedOut"));
        Assert.Contains(nameof(HangingPublisher), timedOut.Message, StringComparison.Ordinal);
        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);

        // Once it returns, it is called again and its recovery is logged.
        hanging.Release();
        await Eventually.True(() => hanging.Calls >= 2);
        await Eventually.True(() => logs.ForEvent(Log.Events.PublisherRecovered, "HealthKitPublisherRecovered").Any());
    }
}

public sealed class PublisherRegistrationTests : PublisherTests
{
    [Fact]
    public async Task AddHealthChecks_CalledAgainAfterAddHealthKit_KeepsOneGuardedPublisherService()
    {
        var logs = new TestLogSink();
        var throwing = new ThrowingPublisher("boom");
        await using var host = await Start(
            c =>
            {
                c.Services.AddHealthChecks().AddCheck("db", new CountingCheck());
                c.Services.AddSingleton<IHealthCheckPublisher>(throwing);
            },
            logs);

        var publisherServices = host.Services.GetServices<IHostedService>().Count(s => s.GetType().Name == "HealthCheckPublisherHostedService");
        await Eventually.True(() => throwing.Calls >= 2);

        Assert.Equal(1, publisherServices);
        Assert.Single(logs.ForEvent(Log.Events.PublisherFailed, "HealthKitPublisherFailed"));
        Assert.Equal("EngineHealthCheckService", host.Services.GetRequiredService<HealthCheckService>().GetType().Name);
    }
}
