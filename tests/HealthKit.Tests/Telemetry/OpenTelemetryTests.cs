using System.Diagnostics;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HealthKit.Tests.Telemetry;

/// <summary>HealthKit's spans and metrics as the real OpenTelemetry SDK exports them, with ASP.NET Core's instrumentation.</summary>
/// <remarks>
/// The SDK subscribes to activity sources and meters by name, process-wide: run alone, or it would export the spans and
/// metrics of every other test's application too.
/// </remarks>
[Collection(nameof(OpenTelemetryTests))]
[CollectionDefinition(nameof(OpenTelemetryTests), DisableParallelization = true)]
public sealed class OpenTelemetryTests
{
    private static Task<TestHost> Start(
        FakeTimeProvider time,
        Action<IHealthChecksBuilder> checks,
        List<Activity>? spans = null,
        List<Metric>? metrics = null,
        Func<HttpContext, bool>? requestFilter = null) =>
        TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                checks(b.Services.AddHealthKit());
                var telemetry = b.Services.AddOpenTelemetry();
                if (spans is not null)
                {
                    telemetry.WithTracing(t => t
                        .AddSource(HealthKitTelemetry.ActivitySourceName)
                        .AddAspNetCoreInstrumentation(o => o.Filter = requestFilter)
                        .AddInMemoryExporter(spans));
                }

                if (metrics is not null)
                {
                    telemetry.WithMetrics(m => m.AddMeter(HealthKitTelemetry.MeterName).AddInMemoryExporter(metrics));
                }
            },
            map: app =>
            {
                app.MapHealthKit();
                app.MapGet("/work", () => "done");
            });

    [Fact]
    public async Task Span_OnePerRun_NotPerCachedAnswer_LinkedToTheRequestThatStartedIt()
    {
        var time = new FakeTimeProvider();
        var spans = new List<Activity>();
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck(() => HealthCheckResult.Degraded("slow"))), spans);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await host.GetAsync("/health/checks/db")).StatusCode);
        }

        // A request's span ends after its response has been sent, so the client can be first.
        await Eventually.True(() => spans.Count >= 4);
        var runs = spans.Where(s => s.Source.Name == HealthKitTelemetry.ActivitySourceName).ToList();
        var run = Assert.Single(runs);
        Assert.Equal("healthkit.check db", run.DisplayName);
        Assert.Equal("db", run.GetTagItem("healthkit.check.name"));
        Assert.Equal("degraded", run.GetTagItem("healthkit.status"));
        Assert.Equal("degraded", run.GetTagItem("healthkit.check.outcome"));
        Assert.Equal(0.7, run.GetTagItem("healthkit.check.timeout"));
        Assert.Equal(false, run.GetTagItem("healthkit.check.abandoned"));
        Assert.Equal(default, run.ParentSpanId);

        // Spans are exported as they end, and a request's span may end after the next request's: order by start.
        var requests = spans.Where(s => s.Source.Name == "Microsoft.AspNetCore").OrderBy(s => s.StartTimeUtc).ToList();
        Assert.Equal(3, requests.Count);
        var link = Assert.Single(run.Links);
        Assert.Equal(requests[0].Context.SpanId, link.Context.SpanId);
        Assert.Equal(requests[0].Context.TraceId, link.Context.TraceId);
    }

    [Fact]
    public async Task Span_CheckThrowsASecret_RecordsTheExceptionScrubbed()
    {
        var time = new FakeTimeProvider();
        var spans = new List<Activity>();
        await using var host = await Start(
            time,
            c => c.AddCheck("db", new ThrowingCheck(new InvalidOperationException("login failed: Host=db;Username=app;Password=hk-span-0001"))),
            spans);

        Assert.Equal(503, (await host.GetAsync("/health/checks/db")).StatusCode);

        host.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var run = Assert.Single(spans, s => s.Source.Name == HealthKitTelemetry.ActivitySourceName);
        Assert.Equal(ActivityStatusCode.Error, run.Status);
        Assert.Equal("threw", run.GetTagItem("healthkit.check.outcome"));
        var exception = Assert.Single(run.Events, e => e.Name == "exception");
        var tags = exception.Tags.ToDictionary(t => t.Key, t => t.Value?.ToString());
        Assert.Equal(typeof(InvalidOperationException).FullName, tags["exception.type"]);
        Assert.Contains("Password=******", tags["exception.message"], StringComparison.Ordinal);
        Assert.DoesNotContain("hk-span-0001", string.Join("|", run.Events.SelectMany(e => e.Tags).Select(t => t.Value)) + run.StatusDescription, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Span_RunTimesOut_IsMarkedTimedOutAndAbandoned()
    {
        var time = new FakeTimeProvider();
        var spans = new List<Activity>();
        var check = new CountingCheck { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var host = await Start(time, c => c.AddCheck("db", check), spans);

        var waiting = host.GetAsync("/health/checks/db");
        await Eventually.True(() => check.Runs == 1);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal(503, (await waiting).StatusCode);

        host.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var run = Assert.Single(spans, s => s.Source.Name == HealthKitTelemetry.ActivitySourceName);
        Assert.Equal(true, run.GetTagItem("healthkit.check.timed_out"));
        Assert.Equal(true, run.GetTagItem("healthkit.check.abandoned"));
        Assert.Equal("unhealthy", run.GetTagItem("healthkit.status"));
        Assert.Equal(ActivityStatusCode.Error, run.Status);
    }

    [Fact]
    public async Task IsHealthKitRequest_AsTheAspNetCoreFilter_DropsProbeSpans_KeepsTheAppsAndTheRunSpans()
    {
        var time = new FakeTimeProvider();
        var spans = new List<Activity>();
        await using var host = await Start(
            time,
            c => c.AddCheck("db", new CountingCheck()),
            spans,
            requestFilter: context => !HealthKitTelemetry.IsHealthKitRequest(context));

        Assert.Equal(200, (await host.GetAsync("/health")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/live")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/checks/db")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/work")).StatusCode);

        await Eventually.True(() => spans.ToArray().Any(s => s.Source.Name == "Microsoft.AspNetCore"));
        var request = Assert.Single(spans, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal("/work", request.GetTagItem("url.path"));
        Assert.Contains(spans, s => s.DisplayName == "healthkit.check db");
    }

    [Fact]
    public async Task Metrics_ExportedByTheSdk_CarryTheStatusSeriesAndRunCounts()
    {
        var time = new FakeTimeProvider();
        var metrics = new List<Metric>();
        var status = HealthStatus.Healthy;
        await using var host = await Start(time, c => c.AddCheck("db", new CountingCheck(() => new HealthCheckResult(status)), tags: [HealthKitTags.Ready]), metrics: metrics);

        await host.GetAsync("/health/ready");
        var provider = host.Services.GetRequiredService<MeterProvider>();
        provider.ForceFlush();
        Assert.Equal(1, Points(metrics, "healthkit.check.status")["healthkit.check.name=db,healthkit.status=healthy"]);

        // The status the check left is exported as 0, not dropped, so that queries for "no longer healthy" see it.
        status = HealthStatus.Unhealthy;
        time.Advance(TimeSpan.FromSeconds(3));
        await host.GetAsync("/health/ready");
        metrics.Clear();
        provider.ForceFlush();
        var points = Points(metrics, "healthkit.check.status");
        Assert.Equal(1, points["healthkit.check.name=db,healthkit.status=unhealthy"]);
        Assert.Equal(0, points["healthkit.check.name=db,healthkit.status=healthy"]);
        Assert.Equal(1, Points(metrics, "healthkit.endpoint.status")["healthkit.endpoint.name=ready,healthkit.status=unhealthy"]);
        var runs = Points(metrics, "healthkit.check.runs");
        Assert.Equal(1, runs["healthkit.check.name=db,healthkit.check.outcome=healthy"]);
        Assert.Equal(1, runs["healthkit.check.name=db,healthkit.check.outcome=unhealthy"]);
        Assert.Equal(0, Points(metrics, "healthkit.check.age")["healthkit.check.name=db"]);
        var duration = Assert.Single(metrics, m => m.Name == "healthkit.check.duration");
        Assert.Equal("s", duration.Unit);
        Assert.Equal(MetricType.Histogram, duration.MetricType);
    }

    /// <summary>The latest exported value of each point of <paramref name="name"/>, keyed by its sorted tags.</summary>
    private static Dictionary<string, double> Points(List<Metric> metrics, string name)
    {
        var points = new Dictionary<string, double>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                var tags = new List<string>();
                foreach (var tag in point.Tags)
                {
                    tags.Add($"{tag.Key}={tag.Value}");
                }

                tags.Sort(StringComparer.Ordinal);
                points[string.Join(",", tags)] = metric.MetricType switch
                {
                    MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong(),
                    MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => point.GetSumDouble(),
                    MetricType.LongGauge => point.GetGaugeLastValueLong(),
                    MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                    _ => double.NaN,
                };
            }
        }

        return points;
    }
}
