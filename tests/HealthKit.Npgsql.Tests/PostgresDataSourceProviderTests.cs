using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace HealthKit.Npgsql.Tests;

public sealed class PostgresDataSourceProviderTests
{
    public static TheoryData<TimeSpan?, int?> Deadlines => new()
    {
        { TimeSpan.FromMilliseconds(700), 1 },
        { TimeSpan.FromSeconds(1), 1 },
        { TimeSpan.FromMilliseconds(1001), 2 },
        { TimeSpan.FromSeconds(4.5), 5 },
        { TimeSpan.FromHours(1), 1024 },
        { Timeout.InfiniteTimeSpan, null },
        { TimeSpan.Zero, null },
        { null, null },
    };

    [Theory]
    [MemberData(nameof(Deadlines))]
    public void DriverSeconds_RoundsUp_AtLeastOne(TimeSpan? timeout, int? expected)
    {
        Assert.Equal(expected, PostgresDataSourceProvider.DriverSeconds(timeout));
    }

    [Fact]
    public async Task Owned_BuildsOnce_WithTimeoutsFromTheCheck_AndOverridesTheConnectionString()
    {
        await using var provider = PostgresDataSourceProvider.Own("Host=db.internal;Port=6432;Database=orders;Username=app;Timeout=15;Command Timeout=30", "orders");

        var first = provider.Get(TimeSpan.FromMilliseconds(700), NullLogger.Instance);
        var second = provider.Get(TimeSpan.FromSeconds(5), NullLogger.Instance);

        Assert.Same(first, second);
        var settings = new NpgsqlConnectionStringBuilder(first.ConnectionString);
        Assert.Equal(1, settings.Timeout);
        Assert.Equal(1, settings.CommandTimeout);
        Assert.Equal("db.internal:6432", provider.Server);
        Assert.Equal("orders", provider.Database);
    }

    [Fact]
    public async Task Owned_Disposed_RefusesToBuild()
    {
        var provider = PostgresDataSourceProvider.Own("Host=db.internal", "orders");
        await provider.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => provider.Get(TimeSpan.FromSeconds(1), NullLogger.Instance));
    }

    [Fact]
    public async Task Borrowed_IsNeverChangedNorDisposed()
    {
        var port = LoopbackPorts.Unused();
        await using var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Timeout=15");
        var provider = PostgresDataSourceProvider.Borrow(dataSource, "orders");

        Assert.Same(dataSource, provider.Get(TimeSpan.FromSeconds(1), NullLogger.Instance));
        await provider.DisposeAsync();

        // Still the application's to use: opening reaches the network (and is refused there) instead of failing as
        // disposed. Being the very instance, its own settings (Timeout=15) are the ones the check used.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await dataSource.OpenConnectionAsync(TestContext.Current.CancellationToken));
        Assert.IsType<NpgsqlException>(error, exactMatch: false);
        Assert.Same(dataSource, provider.Get(TimeSpan.FromSeconds(1), NullLogger.Instance));
        Assert.Equal($"127.0.0.1:{port}", provider.Server);
    }
}
