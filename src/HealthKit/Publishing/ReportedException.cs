namespace HealthKit.Publishing;

/// <summary>
/// What a <see cref="Microsoft.Extensions.Diagnostics.HealthChecks.HealthReportEntry"/> carries instead of the
/// exception a check threw: its redacted message only, present only when
/// <see cref="HealthKitOptions.IncludeExceptionDetails"/> is on. Never thrown.
/// </summary>
#pragma warning disable CA1032, CA1064 // Never thrown or caught, so neither the standard constructors nor public visibility apply.
internal sealed class ReportedException : Exception
#pragma warning restore CA1032, CA1064
{
    public ReportedException(string message)
        : base(message)
    {
    }
}
