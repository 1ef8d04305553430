using HealthKit.Endpoints;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.History;

public sealed class HistoryEndpointTests
{
    private const string Secret = "hk-flap-5d2b";
    private const string Browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    [Fact]
    public async Task History_AtComponents_HasTimesStatusesAndFlaps_NoDescriptions()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Components);

        var response = await flapping.Host.GetAsync("/health/checks/db?history");

        Assert.Equal(503, response.StatusCode);
        var history = response.Json.GetProperty("history");
        Assert.Equal("1.00:00:00", history.GetProperty("window").GetString());
        Assert.Equal(50, history.GetProperty("capacity").GetInt32());
        var db = history.GetProperty("checks").GetProperty("db");
        Assert.Equal(3, db.GetProperty("flaps").GetInt32());
        var changes = db.GetProperty("changes").EnumerateArray().ToArray();
        Assert.Equal(["Healthy>Unhealthy", "Unhealthy>Healthy", "Healthy>Unhealthy"], changes.Select(c => c.GetProperty("from").GetString() + ">" + c.GetProperty("to").GetString()));
        Assert.Equal(flapping.ChangedAt, changes.Select(c => c.GetProperty("at").GetDateTimeOffset()));
        Assert.All(changes, c => Assert.False(c.TryGetProperty("description", out _)));
        Assert.Equal(["db"], history.GetProperty("checks").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task History_AtFull_HasRedactedDescriptions()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Full);

        var response = await flapping.Host.GetAsync("/health/checks/db?history=true");

        Assert.DoesNotContain(Secret, response.Body, StringComparison.Ordinal);
        var changes = response.Json.GetProperty("history").GetProperty("checks").GetProperty("db").GetProperty("changes").EnumerateArray().ToArray();
        Assert.Equal(
            ["down 1: Password=******", "up 2", "down 3: Password=******"],
            changes.Select(c => c.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task History_OnAnEndpoint_CoversEachOfItsChecks_ExcludedOnesLeftOut()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Components);

        var all = await flapping.Host.GetAsync("/health?history");
        var excluded = await flapping.Host.GetAsync("/health?history&exclude=db");

        var checks = all.Json.GetProperty("history").GetProperty("checks");
        Assert.Equal(3, checks.GetProperty("db").GetProperty("flaps").GetInt32());
        Assert.Equal(0, checks.GetProperty("steady").GetProperty("flaps").GetInt32());
        Assert.False(excluded.Json.GetProperty("history").GetProperty("checks").TryGetProperty("db", out _));
    }

    [Fact]
    public async Task History_BelowComponents_IsAbsent()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Status);

        var response = await flapping.Host.GetAsync("/health/checks/db?history");

        Assert.Equal(503, response.StatusCode);
        Assert.False(response.Json.TryGetProperty("history", out _));
        Assert.False(response.Json.TryGetProperty("entries", out _));
    }

    [Fact]
    public async Task History_NotAsked_IsAbsent()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Full);

        var off = await flapping.Host.GetAsync("/health/checks/db?history=0");
        var none = await flapping.Host.GetAsync("/health/checks/db");

        Assert.False(off.Json.TryGetProperty("history", out _));
        Assert.False(none.Json.TryGetProperty("history", out _));
        Assert.Equal("Unhealthy", none.Status);
    }

    [Fact]
    public async Task StatusPage_AtFull_ShowsTheTimelineAndEncodedDescriptions()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Full, "<script>x</script>");

        var page = await flapping.Host.GetAsync("/health", Browser);

        Assert.Equal("text/html", page.ContentType);
        Assert.Contains("<span class=\"flaps\">3 changes in 24 h</span>\n<ol class=\"timeline\" aria-label=\"Status changes of db, oldest first\">\n", page.Body, StringComparison.Ordinal);
        Assert.Equal(
            ["Unhealthy", "Healthy", "Unhealthy"],
            System.Text.RegularExpressions.Regex.Matches(page.Body, "<li class=\"s-[a-z]+\" data-status=\"([A-Za-z]+)\"><time").Select(m => m.Groups[1].Value));
        Assert.Contains(
            $"<time datetime=\"{flapping.ChangedAt[0].UtcDateTime:O}\">{flapping.ChangedAt[0].UtcDateTime:HH:mm:ss}</time> Healthy \u2192 Unhealthy: down 1&lt;script&gt;x&lt;/script&gt;: Password=******",
            page.Body,
            StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page.Body, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("aria-label=\"Status changes of steady", page.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusPage_AtStatus_HasNoTimeline()
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Status);

        var page = await flapping.Host.GetAsync("/health", Browser);

        Assert.Contains("<h1 id=\"overall\">Unhealthy</h1>", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"timeline\"", page.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"flaps\"", page.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("2")]
    [InlineData("true,true")]
    public async Task History_BadValue_Is400NamingTheAllowedValues(string value)
    {
        await using var flapping = await Flapping.StartAsync(HealthDetailLevel.Full);

        var response = await flapping.Host.GetAsync("/health/checks/db?history=" + value);
        var repeated = await flapping.Host.GetAsync("/health/checks/db?history=1&history=1");

        Assert.Equal(400, response.StatusCode);
        Assert.Equal(HealthRequest.HistoryError, response.Json.GetProperty("error").GetString());
        Assert.Contains("'true', '1' or empty (?history)", HealthRequest.HistoryError, StringComparison.Ordinal);
        Assert.Equal(400, repeated.StatusCode);
    }

    /// <summary>
    /// An app whose check <c>db</c> starts Healthy and then goes Unhealthy, Healthy and Unhealthy again, one request each,
    /// with the fake clock moved past the cache in between; <c>steady</c> stays Healthy.
    /// </summary>
    private sealed class Flapping : IAsyncDisposable
    {
        private readonly FakeTimeProvider _time = new();
        private HealthCheckResult _result = HealthCheckResult.Healthy("up 0");

        private Flapping()
        {
        }

        public TestHost Host { get; private set; } = null!;

        public List<DateTimeOffset> ChangedAt { get; } = [];

        public static async Task<Flapping> StartAsync(HealthDetailLevel level, string suffix = "")
        {
            var flapping = new Flapping();
            flapping.Host = await TestHost.StartWithChecksAsync(
                flapping._time,
                checks => checks
                    .AddCheck("db", () => flapping._result)
                    .AddCheck("steady", () => HealthCheckResult.Healthy()),
                options =>
                {
                    options.Endpoints.Health.DetailLevel = level;
                    options.Defaults.CacheTtl = TimeSpan.Zero;
                    options.Defaults.FailureCacheTtl = TimeSpan.Zero;
                });

            await flapping.Host.GetAsync("/health");
            for (var i = 1; i <= 3; i++)
            {
                flapping._time.Advance(TimeSpan.FromSeconds(5));
                flapping._result = i % 2 == 1 ? HealthCheckResult.Unhealthy($"down {i}{suffix}: Password={Secret}") : HealthCheckResult.Healthy($"up {i}");
                flapping.ChangedAt.Add(flapping._time.GetUtcNow());
                await flapping.Host.GetAsync("/health");
            }

            return flapping;
        }

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }
}
