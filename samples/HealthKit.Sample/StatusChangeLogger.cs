using HealthKit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

/// <summary>Writes one log line per status change of a check or an endpoint; HealthKit calls it off the request path.</summary>
internal sealed partial class StatusChangeLogger(ILogger<StatusChangeLogger> logger) : IHealthStatusListener
{
    public Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
    {
        LogChange(logger, change.Kind, change.Name, change.PreviousStatus?.ToString() ?? "nothing", change.Status, change.Description is null ? string.Empty : ": " + change.Description, change.ChangedAt);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 1000, EventName = "SampleStatusChanged", Level = LogLevel.Information,
        Message = "{Kind} '{Name}' went from {PreviousStatus} to {Status} at {ChangedAt:O}{Description}")]
    private static partial void LogChange(ILogger logger, HealthStatusChangeKind kind, string name, string previousStatus, HealthStatus status, string description, DateTimeOffset changedAt);
}
