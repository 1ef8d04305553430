using System.Data.Common;
using HealthKit.Database;
using HealthKit.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Database;

public sealed class DatabaseHealthCheckTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"healthkit-{Guid.NewGuid():N}.db");

    private static HealthCheckContext Context(TimeSpan? timeout = null) => new()
    {
        Registration = new HealthCheckRegistration("db", _ => null!, HealthStatus.Unhealthy, null, timeout),
    };

    [Fact]
    public async Task RealSqlite_IsHealthy_WithRoundTrip()
    {
        using var dataSource = SqliteFactory.Instance.CreateDataSource($"Data Source={_file}");
        var check = new DatabaseHealthCheck(dataSource, new DatabaseCheckOptions(), TimeProvider.System);

        var result = await check.CheckHealthAsync(Context(TimeSpan.FromSeconds(5)), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.InRange((double)result.Data["roundTripMs"], 0, 5000);
    }

    [Fact]
    public async Task RealSqlite_FailingQuery_IsFailureStatus_WithSafeDescription()
    {
        using var dataSource = SqliteFactory.Instance.CreateDataSource($"Data Source={_file}");
        var options = new DatabaseCheckOptions { Query = "SELECT * FROM table_that_does_not_exist" };
        var check = new DatabaseHealthCheck(dataSource, options, TimeProvider.System);

        var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("database ping failed: SqliteException", result.Description);
        Assert.IsType<SqliteException>(result.Exception);
    }

    [Fact]
    public async Task FailingOpen_ReportsSqlState()
    {
        var check = new DatabaseHealthCheck(new FailingDataSource("refused"), new DatabaseCheckOptions(), TimeProvider.System);

        var result = await check.CheckHealthAsync(Context(), TestContext.Current.CancellationToken);

        Assert.Equal("database ping failed: FakeDbException (SQLSTATE 08001)", result.Description);
    }

    [Fact]
    public async Task HangingDataSource_HonouringToken_ReportsTimedOut_WithinTimeout()
    {
        using var dataSource = new HangingDataSource(honourToken: true);
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddDatabase("db", o => o.DataSource = dataSource),
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:db:Timeout"] = "00:00:00.200" },
            environment: "Development");

        var started = TimeProvider.System.GetTimestamp();
        var response = await host.GetAsync("/health/ready");
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("timed out", response.Entry("db").GetProperty("description").GetString());
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task HangingDataSource_IgnoringToken_IsAbandonedAtTheDeadline_WithOneOpenAtATime()
    {
        using var dataSource = new HangingDataSource(honourToken: false);
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddDatabase("db", o => o.DataSource = dataSource),
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Checks:db:Timeout"] = "00:00:00.200",
                ["HealthKit:Checks:db:FailureCacheTtl"] = "00:00:00",
            },
            environment: "Development");

        for (var i = 0; i < 3; i++)
        {
            var started = TimeProvider.System.GetTimestamp();
            var response = await host.GetAsync("/health/ready");
            var elapsed = TimeProvider.System.GetElapsedTime(started);

            Assert.Equal(503, response.StatusCode);
            Assert.StartsWith("timed out", response.Entry("db").GetProperty("description").GetString(), StringComparison.Ordinal);
            Assert.True(elapsed < TimeSpan.FromSeconds(2), $"request {i} took {elapsed}");
        }

        Assert.Equal(1, dataSource.Opens);
        dataSource.Release();
    }

    [Fact]
    public async Task SqliteFromDependencyInjection_IsResolvedOnce()
    {
        // Transient, so that only the check holding on to its data source keeps the count at one: a singleton would be
        // resolved once whatever the check did.
        var resolutions = 0;
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddTransient<DbDataSource>(_ =>
                {
                    Interlocked.Increment(ref resolutions);
                    return SqliteFactory.Instance.CreateDataSource($"Data Source={_file}");
                });
                b.Services.AddHealthKit(o => o.Defaults.CacheTtl = TimeSpan.Zero).AddDatabase();
            });

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        }

        Assert.Equal(1, resolutions);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }
}
