using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Configuration;

/// <summary>
/// The sample as a real process, misconfigured through environment variables as an operator would: it must stop at
/// startup, say which key is wrong, and never start serving.
/// </summary>
public sealed class SampleMisconfigurationTests
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(20);

    /// <summary>Environment variables, separated by ';', and what the output must contain.</summary>
    public static TheoryData<string, string> Misconfigurations => new()
    {
        { "HealthKit__Checks__database__Timout=1", "HealthKit:Checks:database:Timout is not a HealthKit setting; did you mean 'Timeout'" },
        { "HealthKit__Checks__database__Timeout=0.7s", "HealthKit:Checks:database:Timeout ('0.7s') is not valid; write a duration such as 00:00:00.700" },
        { "HealthKit__Endpoints__Ready__Deadlin=00:00:00.500", "HealthKit:Endpoints:Ready:Deadlin is not a HealthKit setting; did you mean 'Deadline'" },
        { "HealthKit__PathPrefix=//x", "HealthKit:PathPrefix ('//x') has an empty segment" },
        { "HealthKit__Checks__self__Mode=Background;HealthKit__Checks__self__Period=60.00:00:00", "HealthKit:Checks:self:Period must be between" },
    };

    [Theory]
    [MemberData(nameof(Misconfigurations))]
    public async Task Sample_Misconfigured_ExitsNonZeroAtStartup_NamingTheKey(string variables, string expected)
    {
        using var sample = SampleProcess.Start(variables.Split(';').Select(v => v.Split('=', 2)).ToDictionary(v => v[0], v => v[1]));

        var exited = await sample.WaitForExitAsync(ExitWithin);

        Assert.True(exited, $"the sample was still running after {ExitWithin}\n{sample.Output}");
        Assert.NotEqual(0, sample.Process.ExitCode);
        Assert.Contains(expected, sample.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(sample.Lines, line => line.Contains("Now listening on", StringComparison.Ordinal));
    }
}
