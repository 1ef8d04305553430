using HealthKit.Internal;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HealthKit.Tests.Configuration;

public sealed class HealthKitOptionsValidatorTests
{
    [Fact]
    public void MaxPeriod_WithItsJitter_StaysBelowTheTimerLimit()
    {
        var longestWait = HealthKitOptionsValidator.MaxPeriod * (1 + HealthKitOptionsValidator.PeriodJitter);

        Assert.True(longestWait < HealthKitOptionsValidator.TimerLimit, $"{longestWait} is not below {HealthKitOptionsValidator.TimerLimit}");
        Assert.Throws<ArgumentOutOfRangeException>(() => new CancellationTokenSource(HealthKitOptionsValidator.TimerLimit + TimeSpan.FromMilliseconds(1)));
    }

    [Theory]
    [InlineData("1.00:00:00", true)]
    [InlineData("1.00:00:00.0000001", false)]
    [InlineData("00:00:00.100", true)]
    [InlineData("00:00:00.099", false)]
    [InlineData("10675199.02:48:05.4775807", false)]
    public void Validate_Period_IsBoundedOnBothSides(string period, bool valid)
    {
        var options = new HealthKitOptions();
        options.Checks["self"] = new HealthCheckPolicy { Period = TimeSpan.Parse(period, System.Globalization.CultureInfo.InvariantCulture) };

        var result = Validator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.StartsWith("HealthKit:Checks:self:Period must be between 00:00:00.100 and 1.00:00:00", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Validate_TimeoutWithEveryEndpointDisabled_IsStillBounded()
    {
        var options = new HealthKitOptions();
        foreach (var endpoint in new[] { options.Endpoints.Health, options.Endpoints.Live, options.Endpoints.Ready, options.Endpoints.Startup })
        {
            endpoint.Enabled = false;
        }

        options.Defaults.Timeout = TimeSpan.FromDays(60);

        var result = Validator().Validate(null, options);

        Assert.Equal("HealthKit:Defaults:Timeout must be greater than zero and at most 00:10:00 (was 60.00:00:00).", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_DrainDelayBelowALongShutdownTimeout_IsStillBounded()
    {
        var options = new HealthKitOptions();
        options.Lifecycle.DrainDelay = TimeSpan.FromMinutes(11);

        var result = Validator(shutdownTimeout: TimeSpan.FromDays(100)).Validate(null, options);

        Assert.Equal("HealthKit:Lifecycle:DrainDelay must be between 00:00:00 and 00:10:00 (was 00:11:00).", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_ReadinessFailDelayUpToTheDrain_IsValid()
    {
        var options = new HealthKitOptions();
        options.Lifecycle.DrainDelay = TimeSpan.FromMinutes(10);
        options.Lifecycle.ReadinessFailDelay = TimeSpan.FromMinutes(10);

        Assert.True(Validator(shutdownTimeout: TimeSpan.FromMinutes(15)).Validate(null, options).Succeeded);

        options.Lifecycle.ReadinessFailDelay = TimeSpan.FromMinutes(10) + TimeSpan.FromTicks(1);
        Assert.False(Validator(shutdownTimeout: TimeSpan.FromMinutes(15)).Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("/", null)]
    [InlineData("/health", null)]
    [InlineData("/api/v1/health", null)]
    [InlineData("health", "must start with '/'")]
    [InlineData("", "must start with '/'")]
    [InlineData("//x", "has an empty segment ('//')")]
    [InlineData("/a//b", "has an empty segment ('//')")]
    [InlineData("/health/", "must not end with '/'")]
    [InlineData("/health?x=1", "must not contain '?' or '#'")]
    [InlineData("/health#top", "must not contain '?' or '#'")]
    [InlineData("/{name}", "must not contain '{' or '}'")]
    [InlineData("/he alth", "must not contain whitespace")]
    public void PathPrefixProblem_NamesTheRuleBroken(string prefix, string? problem)
    {
        var actual = HealthKitOptionsValidator.PathPrefixProblem(prefix);

        if (problem is null)
        {
            Assert.Null(actual);
        }
        else
        {
            Assert.NotNull(actual);
            Assert.StartsWith(problem, actual, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("/", true)]
    [InlineData("live", true)]
    [InlineData("/live/", true)]
    [InlineData("probes/live", true)]
    [InlineData("//", false)]
    [InlineData("//live", false)]
    [InlineData("probes//live", false)]
    [InlineData("live?x", false)]
    [InlineData("li#ve", false)]
    public void EndpointPathProblem_RejectsEmptySegmentsQueriesAndFragments(string path, bool valid)
    {
        Assert.Equal(valid, HealthKitOptionsValidator.EndpointPathProblem(path) is null);
    }

    private static HealthKitOptionsValidator Validator(TimeSpan? shutdownTimeout = null) =>
        new(Options.Create(new HostOptions { ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30) }));
}
