using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Latency;

/// <summary>
/// Judges the share of the application's own requests that failed over a sliding window: answered 5xx, or threw.
/// </summary>
/// <param name="recorder">The window of requests.</param>
/// <param name="current">The options in force now, read once per run (a reload may replace them).</param>
internal sealed class ErrorRateHealthCheck(LatencyRecorder recorder, Func<ErrorRateCheckOptions> current) : IHealthCheck
{
    public ErrorRateHealthCheck(LatencyRecorder recorder, ErrorRateCheckOptions options)
        : this(recorder, () => options)
    {
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var options = current();
        var snapshot = recorder.Snapshot();
        var failed = snapshot.ServerErrorCount + snapshot.ThrownCount;
        var percent = snapshot.Count > 0 ? Math.Round(failed * 100.0 / snapshot.Count, 2) : 0;
        var data = new Dictionary<string, object>
        {
            ["requestCount"] = snapshot.Count,
            ["windowSeconds"] = recorder.Window.TotalSeconds,
            ["serverErrorCount"] = snapshot.ServerErrorCount,
            ["thrownCount"] = snapshot.ThrownCount,
            ["errorPercent"] = percent,
        };

        if (snapshot.Count < options.MinimumSamples)
        {
            return Task.FromResult(HealthCheckResult.Healthy(
                string.Create(CultureInfo.InvariantCulture, $"not enough requests to judge: {snapshot.Count} of {options.MinimumSamples} in the last {recorder.Window.TotalSeconds:0} s"),
                data));
        }

        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{percent:0.##}% of {snapshot.Count} requests failed ({snapshot.ServerErrorCount} answered 5xx, {snapshot.ThrownCount} threw)");
        if (options.Unhealthy.MaximumErrorPercent is { } unhealthy && percent >= unhealthy)
        {
            return Task.FromResult(new HealthCheckResult(options.FailureStatus, Describe(summary, "Unhealthy", unhealthy), data: data));
        }

        if (options.Degraded.MaximumErrorPercent is { } degraded && percent >= degraded)
        {
            return Task.FromResult(HealthCheckResult.Degraded(Describe(summary, "Degraded", degraded), data: data));
        }

        return Task.FromResult(HealthCheckResult.Healthy(summary, data));
    }

    private static string Describe(string summary, string level, double limit) =>
        string.Create(CultureInfo.InvariantCulture, $"{summary}, at or above the {level} ceiling of {limit:0.##}%");
}
