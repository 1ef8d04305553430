namespace HealthKit.Tests.Infrastructure;

/// <summary>
/// Whether the tests are running under the mutation tester (<c>eng/mutation.sh</c> sets <see cref="Variable"/>).
/// Every mutant runs the whole test project, so tests that start the sample or the probe as a separate process (seconds
/// each) sit mutation runs out; each of them is skipped with a reason, never silently, and <c>.ci/run</c> counts a
/// skipped test as a failure, so the variable cannot thin a CI run.
/// </summary>
internal static class MutationRun
{
    /// <summary>The environment variable <c>eng/mutation.sh</c> sets to <c>1</c>.</summary>
    public const string Variable = "HEALTHKIT_MUTATION_RUN";

    public static bool Active => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>Skips the calling test during a mutation run: it is about to start a separate process.</summary>
    public static void SkipOutOfProcessTest() =>
        Assert.SkipWhen(Active, $"{Variable}=1: tests that start a separate process sit mutation runs out");
}
