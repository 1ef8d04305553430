using HealthKit.Npgsql.Tests.Infrastructure;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Npgsql.Tests;

/// <summary>Misconfiguration stops the application at startup, naming the key to fix and never the password.</summary>
public sealed class PostgresCheckOptionsValidatorTests
{
    private static readonly string Password = PostgresCluster.NewSecret("config");
    private static readonly string Valid = $"Host=127.0.0.1;Username=app;Password={Password}";

    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "HealthKit:Checks:postgres:Query", " ", "HealthKit:Checks:postgres:Query must not be empty." },
        { "HealthKit:Checks:postgres:DegradedThreshold", "00:00:00", "HealthKit:Checks:postgres:DegradedThreshold must be greater than zero" },
        { "HealthKit:Checks:postgres:DataSourceKey", "orders", "Set only one of HealthKit:Checks:postgres:ConnectionString, HealthKit:Checks:postgres:DataSourceKey" },
        { "HealthKit:Checks:postgres:ConnectionStringName", "Orders", "Set only one of HealthKit:Checks:postgres:ConnectionString, HealthKit:Checks:postgres:ConnectionStringName" },
        { "HealthKit:Checks:postgres:ConnectionString", $"Hots=127.0.0.1;Password={Password}", "HealthKit:Checks:postgres:ConnectionString is not a valid Npgsql connection string" },
        { "HealthKit:Checks:postgres:ConnectionString", $"Username=app;Password={Password}", "HealthKit:Checks:postgres:ConnectionString names no Host." },
        { "HealthKit:Checks:postgres:DegradedThreshold", "00:10:01", "HealthKit:Checks:postgres:DegradedThreshold must be greater than zero and at most 00:10:00" },
        { "HealthKit:Checks:postgres:RequirePrimray", "true", "HealthKit:Checks:postgres:RequirePrimray is not a HealthKit setting; did you mean 'RequirePrimary'" },
        { "HealthKit:Checks:postgres:RequirePrimary", "yes", "HealthKit:Checks:postgres:RequirePrimary ('yes') is not valid; write true or false" },
        { "HealthKit:Checks:postgres:Timeout", "0.7s", "HealthKit:Checks:postgres:Timeout ('0.7s') is not valid" },
        { "HealthKit:Checks:postgres:ConectionString", Valid, "HealthKit:Checks:postgres:ConectionString is not a HealthKit setting; did you mean 'ConnectionString'" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task InvalidSetting_StopsStartup_NamingTheKey(string key, string value, string message)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddPostgres("postgres", o => o.ConnectionString ??= Valid),
            configuration: new Dictionary<string, string?> { [key] = value, ["ConnectionStrings:Orders"] = Valid }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingConnectionStringName_StopsStartup_NamingBothKeys()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(b => b.Services.AddHealthKit().AddPostgres("Orders")));

        Assert.Contains("HealthKit:Checks:postgres:ConnectionStringName is 'Orders', but ConnectionStrings:Orders is not set.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamedConnectionStringInvalid_StopsStartup_WithoutRepeatingIt()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddPostgres("Orders"),
            configuration: new Dictionary<string, string?> { ["ConnectionStrings:Orders"] = $"Port=five;Password={Password}" }));

        Assert.Contains("ConnectionStrings:Orders (named by HealthKit:Checks:postgres:ConnectionStringName) is not a valid Npgsql connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoDataSourceRegistered_StopsStartup_SayingWhatToRegister()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(b => b.Services.AddHealthKit().AddPostgres()));

        Assert.Contains("The PostgreSQL health check 'postgres' needs an NpgsqlDataSource, and none is registered.", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddNpgsqlDataSource", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyedDataSourceMissing_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddPostgres(),
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:postgres:DataSourceKey"] = "orders" }));

        Assert.Contains("with the key 'orders' (HealthKit:Checks:postgres:DataSourceKey)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidConnectionString_Starts_WithoutConnecting()
    {
        // A listener that counts connections stands in for the server: starting and answering liveness must not touch it.
        using var listener = new SilentListener();
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddPostgres($"Host=127.0.0.1;Port={listener.Port};Username=app;Password={Password};Timeout=1"),
            configuration: new Dictionary<string, string?> { ["HealthKit:Defaults:Timeout"] = "00:00:00.500" });

        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
        Assert.Equal(0, listener.Accepted);

        // The first probe that runs the check is what connects; the listener does see it.
        Assert.Equal(503, (await host.GetAsync("/health/ready")).StatusCode);
        await Eventually.WaitUntilAsync(() => listener.Accepted == 1, TimeSpan.FromSeconds(5));
    }
}
