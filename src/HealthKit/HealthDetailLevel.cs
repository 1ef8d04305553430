namespace HealthKit;

/// <summary>
/// How much of a health report an endpoint reveals.
/// </summary>
public enum HealthDetailLevel
{
    /// <summary>The overall status and total duration only.</summary>
    Status = 0,

    /// <summary>The overall status plus each check's name and status.</summary>
    Components = 1,

    /// <summary>Everything: descriptions, data, durations, tags and when each result was produced.</summary>
    Full = 2,
}
