namespace HealthKit.Telemetry;

/// <summary>How a run of a check ended, as the <c>healthkit.check.outcome</c> tag says it.</summary>
internal enum RunEnd
{
    /// <summary>The check returned in time; the outcome is the status it returned, before damping.</summary>
    Returned,

    /// <summary>The check threw (or its factory or result did) and reports its failure status.</summary>
    Threw,

    /// <summary>The run reached its timeout; the engine stopped waiting and cancelled the check's token.</summary>
    TimedOut,

    /// <summary>
    /// No run started: the previous run, left at its timeout, has still not returned, and a second one would pile onto
    /// the same dependency.
    /// </summary>
    Abandoned,
}
