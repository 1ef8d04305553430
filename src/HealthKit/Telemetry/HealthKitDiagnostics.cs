using System.Diagnostics;

namespace HealthKit.Telemetry;

/// <summary>The names HealthKit's telemetry is published under, and its one <see cref="ActivitySource"/>.</summary>
internal static class HealthKitDiagnostics
{
    /// <summary>Static, as ActivitySources are meant to be: listeners subscribe by name, not per container.</summary>
    public static readonly ActivitySource ActivitySource = new(HealthKitTelemetry.ActivitySourceName, typeof(HealthKitDiagnostics).Assembly.GetName().Version?.ToString());

    public const string CheckName = "healthkit.check.name";
    public const string EndpointName = "healthkit.endpoint.name";
    public const string Status = "healthkit.status";
    public const string Outcome = "healthkit.check.outcome";
    public const string Timeout = "healthkit.check.timeout";
    public const string TimedOut = "healthkit.check.timed_out";
    public const string Abandoned = "healthkit.check.abandoned";

    /// <summary>Status tag values indexed by <c>HealthStatus</c> value (Unhealthy 0, Degraded 1, Healthy 2).</summary>
    public static readonly string[] StatusValues = ["unhealthy", "degraded", "healthy"];
}
