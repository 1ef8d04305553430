namespace HealthKit.Redaction;

/// <summary>
/// Reads the members of an exception that its own code may override and throw from (<see cref="Exception.Message"/>,
/// <see cref="Exception.StackTrace"/>). Every read of them on the way to telemetry, a log line, a report or a listener
/// goes through here, so that an exception that cannot describe itself never holds up or breaks a run.
/// </summary>
internal static class ExceptionMembers
{
    /// <summary>The message, or a text that says it could not be read and why.</summary>
    public static string Message(Exception exception)
    {
        try
        {
            return exception.Message ?? string.Empty;
        }
#pragma warning disable CA1031 // A message getter that throws must not stop the failure from being reported.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return "(the message could not be read: " + ex.GetType().Name + ")";
        }
    }

    /// <summary>The stack trace, or null when there is none or it cannot be read.</summary>
    public static string? StackTrace(Exception exception)
    {
        try
        {
            return exception.StackTrace;
        }
#pragma warning disable CA1031 // An override that throws loses its stack trace, not the log line.
        catch (Exception)
#pragma warning restore CA1031

        // Stryker disable once Block : a removed block returns default, which is the null this one returns
        {
            return null;
        }
    }
}
