using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Latency;

/// <summary>
/// Judges the latency percentiles of the application's own requests over a sliding window.
/// </summary>
/// <param name="recorder">The window of requests.</param>
/// <param name="current">The options in force now, read once per run (a reload may replace them).</param>
internal sealed class ResponseLatencyHealthCheck(LatencyRecorder recorder, Func<ResponseLatencyCheckOptions> current) : IHealthCheck
{
    public ResponseLatencyHealthCheck(LatencyRecorder recorder, ResponseLatencyCheckOptions options)
        : this(recorder, () => options)
    {
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var options = current();
        var snapshot = recorder.Snapshot();
        var p50 = snapshot.Percentile(50);
        var p95 = snapshot.Percentile(95);
        var p99 = snapshot.Percentile(99);
        var data = new Dictionary<string, object>
        {
            ["requestCount"] = snapshot.Count,
            ["windowSeconds"] = recorder.Window.TotalSeconds,
            ["p50Ms"] = Milliseconds(p50),
            ["p95Ms"] = Milliseconds(p95),
            ["p99Ms"] = Milliseconds(p99),
        };

        if (snapshot.Count < options.MinimumSamples)
        {
            return Task.FromResult(HealthCheckResult.Healthy(
                string.Create(CultureInfo.InvariantCulture, $"not enough requests to judge: {snapshot.Count} of {options.MinimumSamples} in the last {recorder.Window.TotalSeconds:0} s"),
                data));
        }

        var summary = string.Create(CultureInfo.InvariantCulture, $"p50 {Milliseconds(p50)} ms, p95 {Milliseconds(p95)} ms, p99 {Milliseconds(p99)} ms over {snapshot.Count} requests");
        if (Exceeded(options.Unhealthy, p50, p95, p99) is { } unhealthy)
        {
            return Task.FromResult(new HealthCheckResult(context.Registration?.FailureStatus ?? options.FailureStatus, $"{summary}; {unhealthy} above the Unhealthy limit", data: data));
        }

        if (Exceeded(options.Degraded, p50, p95, p99) is { } degraded)
        {
            return Task.FromResult(HealthCheckResult.Degraded($"{summary}; {degraded} above the Degraded limit", data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy(summary, data));
    }

    private static string? Exceeded(LatencyThreshold threshold, TimeSpan p50, TimeSpan p95, TimeSpan p99) =>
        threshold.P99 is { } l99 && p99 > l99 ? Describe("p99", l99)
        : threshold.P95 is { } l95 && p95 > l95 ? Describe("p95", l95)
        : threshold.P50 is { } l50 && p50 > l50 ? Describe("p50", l50)
        : null;

    private static string Describe(string percentile, TimeSpan limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{percentile} is {Milliseconds(limit)} ms or more,");

    private static double Milliseconds(TimeSpan value) => Math.Round(value.TotalMilliseconds, 2);
}
