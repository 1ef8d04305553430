namespace HealthKit;

/// <summary>What a <see cref="HealthStatusChange"/> is about.</summary>
public enum HealthStatusChangeKind
{
    /// <summary>One health check's published status, after damping.</summary>
    Check = 0,

    /// <summary>The overall status one endpoint answers, such as <c>Ready</c>.</summary>
    Endpoint = 1,
}
