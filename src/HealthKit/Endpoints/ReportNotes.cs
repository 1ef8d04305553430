namespace HealthKit.Endpoints;

/// <summary>What a request changed about the report: checks it excluded, and warnings about its query.</summary>
internal sealed class ReportNotes
{
    public List<string> Excluded { get; } = [];

    public List<string> Warnings { get; } = [];
}
