using System.Data.Common;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Tests.Endpoints;

public sealed class SecretTests
{
    private const string Secret = "hunter2";
    private const string ConnectionString = "Host=db.internal;Username=app;Password=hunter2";

    // Only answers that render a reason for each failure: the secret could only leak through one. Status and Components
    // JSON render none at all (EndpointTests and RedactionResponseTests hold those shapes).
    public static TheoryData<string, string, string, string> Levels => new()
    {
        { "Production", "Full", "/health/ready", "check threw InvalidOperationException" },
        { "Production", "Full", "/health", "check threw InvalidOperationException" },
        { "Production", "Full", "/health/checks/throws", "check threw InvalidOperationException" },
        { "Production", "Full", "/health?format=text&verbose", "[-]throws failed: check threw InvalidOperationException" },
        { "Production", "Components", "/health?format=text&verbose", "[-]throws failed: reason withheld" },
        { "Development", "Status", "/health/ready", "check threw InvalidOperationException" },
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public async Task ThrowingCheck_NeverLeaksItsMessage(string environment, string level, string path, string reason)
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("throws", new ThrowingCheck(new InvalidOperationException(ConnectionString)), tags: [HealthKitTags.Ready])
                .AddCheck("wrapped", new ThrowingCheck(new AggregateException(new InvalidOperationException("outer", new FormatException(ConnectionString)))), tags: [HealthKitTags.Ready]),
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:Endpoints:Ready:DetailLevel"] = level,
                ["HealthKit:Endpoints:Health:DetailLevel"] = level,
            },
            environment: environment);

        var response = await host.GetAsync(path);

        Assert.Equal(503, response.StatusCode);
        Assert.DoesNotContain(Secret, response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("db.internal", response.Body, StringComparison.Ordinal);
        if (response.ContentType == "application/json")
        {
            Assert.Equal(reason, response.Entry("throws").GetProperty("description").GetString());
            if (!path.Contains("/checks/", StringComparison.Ordinal))
            {
                Assert.Equal("check threw AggregateException", response.Entry("wrapped").GetProperty("description").GetString());
            }
        }
        else
        {
            // At Full a line ends with the run's duration.
            Assert.Contains(response.Body.Split('\n'), line => line == reason || line.StartsWith(reason + " (", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task ResultCarryingException_DescriptionDerivedFromMessage_IsReplaced()
    {
        // What Xabaril's checks do: new HealthCheckResult(failureStatus, description: ex.Message, exception: ex).
        var exception = new TimeoutException("Timeout connecting to " + ConnectionString);
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("xabaril-style", () => new HealthCheckResult(HealthStatus.Unhealthy, exception.Message, exception))
                .AddCheck("prefixed", () => new HealthCheckResult(HealthStatus.Unhealthy, "failed: " + exception.Message, exception))
                .AddCheck("own-words", () => new HealthCheckResult(HealthStatus.Unhealthy, "connection refused", exception)),
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.DoesNotContain(Secret, response.Body, StringComparison.Ordinal);
        Assert.Equal("check threw TimeoutException", response.Entry("xabaril-style").GetProperty("description").GetString());
        Assert.Equal("check threw TimeoutException", response.Entry("prefixed").GetProperty("description").GetString());
        Assert.Equal("connection refused", response.Entry("own-words").GetProperty("description").GetString());
        Assert.False(response.Entry("own-words").TryGetProperty("exception", out _));
    }

    [Fact]
    public async Task CredentialsInDescriptionsAndData_AreRedacted()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("chatty", () => HealthCheckResult.Degraded(
                    "using " + ConnectionString,
                    data: new Dictionary<string, object>
                    {
                        ["connectionString"] = ConnectionString,
                        ["url"] = "postgres://app:hunter2@db.internal:5432/app",
                        ["error"] = new InvalidOperationException(Secret),
                        ["nested"] = new Dictionary<string, object> { ["pwd"] = "Pwd=hunter2" },
                        ["list"] = new[] { "api_key=hunter2", "fine" },
                    })),
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal(200, response.StatusCode);
        Assert.DoesNotContain(Secret, response.Body, StringComparison.Ordinal);
        Assert.Contains("Password=******", response.Body, StringComparison.Ordinal);
        Assert.Contains("app:******@db.internal", response.Body, StringComparison.Ordinal);
        Assert.Equal("fine", response.Entry("chatty").GetProperty("data").GetProperty("list")[1].GetString());
    }

    [Fact]
    public async Task IncludeExceptionDetails_ShowsMessage_ButStillRedactsPasswords()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(o => o.IncludeExceptionDetails = true)
                .AddCheck("throws", new ThrowingCheck(new InvalidOperationException("cannot reach " + ConnectionString))),
            environment: "Development");

        var entry = (await host.GetAsync("/health")).Entry("throws");

        Assert.Equal("cannot reach Host=db.internal;Username=app;Password=******", entry.GetProperty("exception").GetString());
    }

    [Fact]
    public async Task DatabaseCheck_FailureWithSecretInMessage_DoesNotLeak()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddDatabase("db", o => o.DataSource = new Database.FailingDataSource(ConnectionString)),
            environment: "Development");

        var response = await host.GetAsync("/health/ready");

        Assert.Equal(503, response.StatusCode);
        Assert.DoesNotContain(Secret, response.Body, StringComparison.Ordinal);
        Assert.StartsWith("database ping failed", response.Entry("db").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedResults_BecomeFailureStatus_NeverA500()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("bad-status", () => new HealthCheckResult((HealthStatus)42, "??"))
                .Add(new HealthCheckRegistration("null-check", _ => null!, HealthStatus.Degraded, null))
                .Add(new HealthCheckRegistration("null-task", _ => new NullTaskCheck(), HealthStatus.Degraded, null))
                .AddCheck("throws-degraded", new ThrowingCheck(new DbDataSourceMissingException()), failureStatus: HealthStatus.Degraded)
                .AddCheck("evil-data", () => HealthCheckResult.Healthy("ok", new Dictionary<string, object> { ["x"] = new EvilToString(), ["nan"] = double.NaN })),
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("Unhealthy", response.Entry("bad-status").GetProperty("status").GetString());
        Assert.Equal("Degraded", response.Entry("null-check").GetProperty("status").GetString());
        Assert.Equal("Degraded", response.Entry("null-task").GetProperty("status").GetString());
        Assert.Equal("Degraded", response.Entry("throws-degraded").GetProperty("status").GetString());
        Assert.Equal("Healthy", response.Entry("evil-data").GetProperty("status").GetString());
        Assert.Equal("NaN", response.Entry("evil-data").GetProperty("data").GetProperty("nan").GetString());
    }

    private sealed class NullTaskCheck : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => null!;
    }

    private sealed class EvilToString
    {
        public override string ToString() => throw new InvalidOperationException(Secret);
    }

    private sealed class DbDataSourceMissingException : DbException;
}
