using System.Diagnostics;
using System.Diagnostics.Metrics;
using HealthKit.Engine;
using HealthKit.Internal;
using HealthKit.Redaction;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Telemetry;

/// <summary>
/// What the engine reports about its runs: a span per run, the run metrics, the request counts, and the slow-run
/// warning. The engine calls it at the points where a run starts and ends; it never changes what the engine does.
/// </summary>
internal sealed class RunTelemetry
{
    private readonly ILogger _logger;
    private readonly string[] _spanNames;
    private readonly SecretRedactor _redactor;
    private int _failed;

    public RunTelemetry(HealthEngine engine, Meter? meter, ILogger logger)
    {
        _logger = logger;
        _redactor = engine.Redaction;
        _spanNames = [.. engine.Slots.Select(slot => "healthkit.check " + slot.Name)];
        Metrics = meter is null ? null : new HealthKitMetrics(meter, engine);
    }

    public HealthKitMetrics? Metrics { get; }

    public void Cached(CheckSlot slot) => Count(static (metrics, index) => metrics.Cached(index), slot);

    public void Joined(CheckSlot slot) => Count(static (metrics, index) => metrics.Joined(index), slot);

    /// <summary>
    /// Opens the span of a run that is about to start, and makes it current so that the check's own spans (a database
    /// driver's, say) become its children. The caller restores <paramref name="previous"/> once the run has started.
    /// </summary>
    /// <remarks>
    /// A run is shared by every request that joins it, so it is not the child of the one that happened to start it: it
    /// is a root span with a link to that request's span.
    /// </remarks>
    public Activity? StartRun(CheckSlot slot, out Activity? previous)
    {
        previous = Activity.Current;
        try
        {
            return StartRunCore(slot, previous);
        }
#pragma warning disable CA1031 // Telemetry never holds or breaks a run; see Failed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Activity.Current = previous;
            Failed(ex);
            return null;
        }
    }

    private Activity? StartRunCore(CheckSlot slot, Activity? previous)
    {
        var source = HealthKitDiagnostics.ActivitySource;
        if (!source.HasListeners())
        {
            return null;
        }

        Activity.Current = null;
        ActivityLink[]? links = previous is null ? null : [new ActivityLink(previous.Context)];
        var activity = source.StartActivity(_spanNames[slot.Index], ActivityKind.Internal, parentContext: default, tags: null, links: links);
        if (activity is null)
        {
            Activity.Current = previous;
            return null;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(HealthKitDiagnostics.CheckName, slot.Name);
            activity.SetTag(HealthKitDiagnostics.Timeout, slot.Policy.Timeout.TotalSeconds);
        }

        return activity;
    }

    /// <summary>
    /// Reports the end of a run, or, for <see cref="RunEnd.Abandoned"/>, a request that found the previous run still
    /// going and started none.
    /// </summary>
    /// <param name="slot">The check.</param>
    /// <param name="activity">The run's span, if one was opened.</param>
    /// <param name="end">How the run ended.</param>
    /// <param name="raw">The outcome before damping: what the check itself did.</param>
    /// <param name="published">The outcome the endpoints now report.</param>
    /// <param name="exception">What the check threw, or the exception its result carried.</param>
    /// <remarks>Whatever a metric listener, an activity listener or the exception itself throws is caught here.</remarks>
    public void EndRun(CheckSlot slot, Activity? activity, RunEnd end, CheckOutcome raw, CheckOutcome published, Exception? exception)
    {
        try
        {
            EndRunCore(slot, activity, end, raw, published, exception);
        }
#pragma warning disable CA1031 // Telemetry never holds or breaks a run; see Failed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Failed(ex);
            StopQuietly(activity);
        }
    }

    private void EndRunCore(CheckSlot slot, Activity? activity, RunEnd end, CheckOutcome raw, CheckOutcome published, Exception? exception)
    {
        var outcome = HealthKitMetrics.OutcomeIndex(end, raw.Status);
        Metrics?.RunEnded(slot.Index, outcome, end == RunEnd.Abandoned ? null : raw.Duration);

        if (end != RunEnd.Abandoned && raw.Duration >= slot.Policy.SlowThreshold)
        {
            Log.CheckSlow(_logger, slot.Name, raw.Duration.TotalMilliseconds, slot.Policy.SlowThreshold.TotalMilliseconds);
        }

        if (activity is null)
        {
            return;
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(HealthKitDiagnostics.Status, HealthKitDiagnostics.StatusValues[(int)published.Status]);
            activity.SetTag(HealthKitDiagnostics.Outcome, HealthKitMetrics.OutcomeValues[outcome]);
            activity.SetTag(HealthKitDiagnostics.TimedOut, end == RunEnd.TimedOut);

            // The engine stops waiting at the timeout and leaves the check to finish with its token cancelled.
            activity.SetTag(HealthKitDiagnostics.Abandoned, end == RunEnd.TimedOut);
            if (exception is not null)
            {
                // Activity.AddException would export the raw message and stack trace, where connection strings live.
                activity.AddEvent(new ActivityEvent("exception", tags: new ActivityTagsCollection
                {
                    ["exception.type"] = exception.GetType().FullName,
                    ["exception.message"] = Redactor.ForLog(ExceptionMembers.Message(exception), _redactor),
                }));
            }

            if (published.Status == HealthStatus.Unhealthy || end is RunEnd.TimedOut or RunEnd.Threw)
            {
                activity.SetStatus(ActivityStatusCode.Error, published.Description);
            }
        }

        activity.Stop();
    }

    /// <summary>
    /// A failure of the telemetry itself (a listener that throws, say) is logged once for the life of the app and
    /// otherwise ignored: the run it belonged to ends as if nothing listened.
    /// </summary>
    private void Count(Action<HealthKitMetrics, int> count, CheckSlot slot)
    {
        if (Metrics is not { } metrics)
        {
            return;
        }

        try
        {
            count(metrics, slot.Index);
        }
#pragma warning disable CA1031 // Telemetry never holds or breaks a run; see Failed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Failed(ex);
        }
    }

    private static void StopQuietly(Activity? activity)
    {
        try
        {
            activity?.Stop();
        }
#pragma warning disable CA1031 // Already logged once as a telemetry failure.
        catch (Exception)
#pragma warning restore CA1031
        {
            // The span is lost; the run is not.
        }
    }

    private void Failed(Exception exception)
    {
        if (Interlocked.Exchange(ref _failed, 1) == 0)
        {
            Log.TelemetryFailed(_logger, exception);
        }
    }
}
