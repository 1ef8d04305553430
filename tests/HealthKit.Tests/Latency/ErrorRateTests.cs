using System.Net;
using HealthKit.Latency;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Latency;

public sealed class ErrorRateTests
{
    private static readonly HealthCheckContext Context = new()
    {
        Registration = new HealthCheckRegistration("errors", _ => null!, HealthStatus.Unhealthy, null),
    };

    [Theory]
    [InlineData(0, 0, HealthStatus.Healthy, "0% of 100 requests failed (0 answered 5xx, 0 threw)")]
    [InlineData(4, 0, HealthStatus.Healthy, "4% of 100 requests failed (4 answered 5xx, 0 threw)")]
    [InlineData(3, 2, HealthStatus.Degraded, "5% of 100 requests failed (3 answered 5xx, 2 threw), at or above the Degraded ceiling of 5%")]
    [InlineData(24, 0, HealthStatus.Degraded, "24% of 100 requests failed (24 answered 5xx, 0 threw), at or above the Degraded ceiling of 5%")]
    [InlineData(0, 25, HealthStatus.Unhealthy, "25% of 100 requests failed (0 answered 5xx, 25 threw), at or above the Unhealthy ceiling of 25%")]
    [InlineData(100, 0, HealthStatus.Unhealthy, "100% of 100 requests failed (100 answered 5xx, 0 threw), at or above the Unhealthy ceiling of 25%")]
    public async Task CheckHealth_JudgesTheShareOfFailedRequests(int serverErrors, int thrown, HealthStatus expected, string description)
    {
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(60), new FakeTimeProvider());
        for (var i = 0; i < 100; i++)
        {
            var outcome = i < serverErrors ? RequestOutcome.ServerError : i < serverErrors + thrown ? RequestOutcome.Threw : RequestOutcome.Answered;
            recorder.Record(TimeSpan.FromMilliseconds(1), outcome);
        }

        var result = await new ErrorRateHealthCheck(recorder, new ErrorRateCheckOptions()).CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(expected, result.Status);
        Assert.Equal(description, result.Description);
        Assert.Equal(100L, result.Data["requestCount"]);
        Assert.Equal((long)serverErrors, result.Data["serverErrorCount"]);
        Assert.Equal((long)thrown, result.Data["thrownCount"]);
        Assert.Equal((double)(serverErrors + thrown), result.Data["errorPercent"]);
    }

    [Fact]
    public async Task CheckHealth_FewerThanMinimumSamples_StaysHealthy_AndSaysSo()
    {
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(60), new FakeTimeProvider());
        for (var i = 0; i < 19; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(1), RequestOutcome.ServerError);
        }

        var result = await new ErrorRateHealthCheck(recorder, new ErrorRateCheckOptions()).CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("not enough requests to judge: 19 of 20 in the last 60 s", result.Description);
        Assert.Equal(19L, result.Data["serverErrorCount"]);
    }

    [Fact]
    public async Task CheckHealth_FailuresOlderThanTheWindow_NoLongerCount()
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(60), time);
        var check = new ErrorRateHealthCheck(recorder, new ErrorRateCheckOptions());
        for (var i = 0; i < 30; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(1), RequestOutcome.ServerError);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 0; i < 30; i++)
        {
            recorder.Record(TimeSpan.FromMilliseconds(1));
        }

        var both = await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(31));
        var later = await check.CheckHealthAsync(Context, TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, both.Status);
        Assert.Equal(50.0, both.Data["errorPercent"]);
        Assert.Equal(HealthStatus.Healthy, later.Status);
        Assert.Equal(30L, later.Data["requestCount"]);
        Assert.Equal(0L, later.Data["serverErrorCount"]);
    }

    [Fact]
    public void Recorder_ReusedSlot_StartsItsErrorCountsAtZero()
    {
        var time = new FakeTimeProvider();
        var recorder = new LatencyRecorder(TimeSpan.FromSeconds(2), time);
        recorder.Record(TimeSpan.FromMilliseconds(1), RequestOutcome.ServerError);
        recorder.Record(TimeSpan.FromMilliseconds(1), RequestOutcome.Threw);

        // Three seconds on, the same slot serves a new second.
        time.Advance(TimeSpan.FromSeconds(3));
        recorder.Record(TimeSpan.FromMilliseconds(1));
        var snapshot = recorder.Snapshot();

        Assert.Equal(1, snapshot.Count);
        Assert.Equal(0, snapshot.ServerErrorCount);
        Assert.Equal(0, snapshot.ThrownCount);
    }

    public static TheoryData<string, int, long, long> MiddlewareCases => new()
    {
        { "throws synchronously", 200, 0, 1 },
        { "throws after an await", 200, 0, 1 },
        { "answers 503", 503, 1, 0 },
        { "answers 500 after an await", 500, 1, 0 },
        { "answers 404", 404, 0, 0 },
        { "answers 599", 599, 1, 0 },
        { "is cancelled by its client", 200, 0, 0 },
        { "is cancelled with its client still there", 200, 0, 1 },
    };

    [Theory]
    [MemberData(nameof(MiddlewareCases))]
    public async Task Middleware_CountsFailuresByHowTheRequestEnded(string request, int statusCode, long serverErrors, long thrown)
    {
        var time = new FakeTimeProvider();
        using var services = new ServiceCollection().BuildServiceProvider();
        var registry = new LatencyRecorderRegistry([new LatencyCheckRegistration("errors", _ => TimeSpan.FromSeconds(60))], services, time);
        using var aborted = new CancellationTokenSource();
        RequestDelegate next = request switch
        {
            "throws synchronously" => _ => throw new InvalidOperationException("boom"),
            "throws after an await" => async _ =>
            {
                await Task.Yield();
                throw new InvalidOperationException("boom");
            },
            "answers 500 after an await" => async c =>
            {
                await Task.Yield();
                c.Response.StatusCode = statusCode;
            },
            "is cancelled by its client" => async _ =>
            {
                await aborted.CancelAsync();
                aborted.Token.ThrowIfCancellationRequested();
            },
            "is cancelled with its client still there" => _ => throw new OperationCanceledException(),
            _ => c =>
            {
                c.Response.StatusCode = statusCode;
                return Task.CompletedTask;
            },
        };
        var context = new DefaultHttpContext { RequestAborted = aborted.Token };
        var middleware = new LatencyMiddleware(next, registry, time);

        try
        {
            await middleware.InvokeAsync(context);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
            // The middleware records and lets the exception go on; the server answers it.
        }

        var snapshot = registry.Get("errors").Snapshot();
        Assert.Equal(1, snapshot.Count);
        Assert.Equal(serverErrors, snapshot.ServerErrorCount);
        Assert.Equal(thrown, snapshot.ThrownCount);
    }

    [Fact]
    public async Task Middleware_RethrowsWhatTheRequestThrew()
    {
        var time = new FakeTimeProvider();
        using var services = new ServiceCollection().BuildServiceProvider();
        var registry = new LatencyRecorderRegistry([new LatencyCheckRegistration("errors", _ => TimeSpan.FromSeconds(60))], services, time);
        var thrown = new InvalidOperationException("boom");
        var middleware = new LatencyMiddleware(async _ =>
        {
            await Task.Yield();
            throw thrown;
        }, registry, time);

        var caught = await Assert.ThrowsAsync<InvalidOperationException>(() => middleware.InvokeAsync(new DefaultHttpContext()));

        Assert.Same(thrown, caught);
    }

    [Fact]
    public async Task Kestrel_FailedRequestsCount_HealthEndpointsDoNot_AndLatencySharesTheRecorder()
    {
        await using var server = await LatencyServer.StartAsync(
            app =>
            {
                app.MapGet("/fail", () => Results.StatusCode(StatusCodes.Status500InternalServerError));
                app.MapGet("/unavailable", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
                app.MapGet("/throw", IResult () => throw new InvalidOperationException("boom"));
            },
            services => services.AddHealthKit().AddErrorRate());
        var registry = server.App.Services.GetRequiredService<LatencyRecorderRegistry>();
        Assert.Single(registry.Recorders);
        Assert.Same(registry.Get("latency"), registry.Get("errors"));

        // 20 ordinary answers and 5 failures: 20%, Degraded; every /health in between is left out.
        for (var i = 0; i < 20; i++)
        {
            await Send(server, "/orders", HttpStatusCode.OK);
            await Send(server, "/health", HttpStatusCode.OK);
        }

        await Send(server, "/fail", HttpStatusCode.InternalServerError);
        await Send(server, "/fail", HttpStatusCode.InternalServerError);
        await Send(server, "/unavailable", HttpStatusCode.ServiceUnavailable);

        // The Development environment's exception page answers these with a 500 inside the pipeline.
        await Send(server, "/throw", HttpStatusCode.InternalServerError);
        await Send(server, "/throw", HttpStatusCode.InternalServerError);

        // Past the cache time-to-live of the /health answers above.
        server.Time.Advance(TimeSpan.FromSeconds(3));
        var (status, errors) = await GetErrors(server);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Degraded", errors.GetProperty("status").GetString());
        Assert.Equal(25, errors.GetProperty("data").GetProperty("requestCount").GetInt64());
        Assert.Equal(5, errors.GetProperty("data").GetProperty("serverErrorCount").GetInt64());
        Assert.Equal(20.0, errors.GetProperty("data").GetProperty("errorPercent").GetDouble());
        var (_, latency) = await server.GetHealthAsync();
        Assert.Equal(25, latency.GetProperty("data").GetProperty("requestCount").GetInt64());

        // Five more failures: 10 of 30, Unhealthy, and /health answers 503.
        for (var i = 0; i < 5; i++)
        {
            await Send(server, "/fail", HttpStatusCode.InternalServerError);
        }

        server.Time.Advance(TimeSpan.FromSeconds(2));
        (status, errors) = await GetErrors(server);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Unhealthy", errors.GetProperty("status").GetString());
        Assert.Equal(30, errors.GetProperty("data").GetProperty("requestCount").GetInt64());
        Assert.Equal(33.33, errors.GetProperty("data").GetProperty("errorPercent").GetDouble());

        // A minute later the window has moved past every request.
        server.Time.Advance(TimeSpan.FromSeconds(61));
        (status, errors) = await GetErrors(server);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", errors.GetProperty("status").GetString());
        Assert.Equal(0, errors.GetProperty("data").GetProperty("requestCount").GetInt64());
    }

    [Fact]
    public void Registry_ChecksWithDifferentWindows_GetARecorderEach()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddHealthKit().AddResponseLatency().AddErrorRate("errors", o => o.Window = TimeSpan.FromSeconds(300)).AddErrorRate("errors-1m", null);
        using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<LatencyRecorderRegistry>();

        Assert.Equal(2, registry.Recorders.Length);
        Assert.Same(registry.Get("latency"), registry.Get("errors-1m"));
        Assert.Equal(TimeSpan.FromSeconds(300), registry.Get("errors").Window);
    }

    public static TheoryData<string, string, string> InvalidSettings => new()
    {
        { "HealthKit:Checks:errors:Window", "00:00:00.500", "HealthKit:Checks:errors:Window must be a whole number of seconds between 00:00:01 and 01:00:00" },
        { "HealthKit:Checks:errors:MinimumSamples", "0", "HealthKit:Checks:errors:MinimumSamples must be at least 1 (was 0)." },
        { "HealthKit:Checks:errors:Degraded:MaximumErrorPercent", "0", "HealthKit:Checks:errors:Degraded:MaximumErrorPercent must be greater than 0 and at most 100 (was 0)." },
        { "HealthKit:Checks:errors:Unhealthy:MaximumErrorPercent", "150", "HealthKit:Checks:errors:Unhealthy:MaximumErrorPercent must be greater than 0 and at most 100 (was 150)." },
        { "HealthKit:Checks:errors:Unhealthy:MaximumErrorPercent", "4", "HealthKit:Checks:errors:Degraded:MaximumErrorPercent (5) must not be higher than HealthKit:Checks:errors:Unhealthy:MaximumErrorPercent (4)" },
        { "HealthKit:Checks:errors:MinimumSampels", "10", "did you mean 'MinimumSamples'" },
        { "HealthKit:Checks:errors:Degraded:MaximumErrorPercent", "5%", "HealthKit:Checks:errors:Degraded:MaximumErrorPercent ('5%') is not valid" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public async Task InvalidSetting_StopsStartup_NamingTheKey(string key, string value, string named)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddErrorRate(),
            configuration: new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static async Task Send(LatencyServer server, string path, HttpStatusCode expected)
    {
        using var response = await server.Client.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.True(expected == response.StatusCode || path == "/health", $"{path}: {response.StatusCode}");
    }

    private static async Task<(HttpStatusCode Status, System.Text.Json.JsonElement Errors)> GetErrors(LatencyServer server)
    {
        using var response = await server.Client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("entries").GetProperty("errors").Clone());
    }
}
