using System.Xml.Linq;
using HealthKit.Package.Tests.Infrastructure;

namespace HealthKit.Package.Tests.Ci;

/// <summary>
/// <c>.ci/summarize-tests</c>, which turns the TRX files of a <c>dotnet test</c> run into CI's last line and exit status,
/// run on TRX files written here in the shape xUnit.net's <c>--report-xunit-trx</c> writes.
/// </summary>
public sealed class SummarizeTestsTests : IDisposable
{
    private static readonly XNamespace Trx = "http://microsoft.com/schemas/VisualStudio/TeamTest/2010";

    private readonly string _results = Path.Combine(Path.GetTempPath(), $"healthkit-trx-{Guid.NewGuid():N}");

    public SummarizeTestsTests() => Directory.CreateDirectory(_results);

    [Fact]
    public async Task Summarize_EveryProjectPassed_CountsEveryResultAndExitsZero()
    {
        WriteTrx("A.Tests", [("Passed", 3)]);
        WriteTrx("B.Tests", [("Passed", 2)]);

        var result = await Summarize(0, "A.Tests", "B.Tests");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("5 passed, 0 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_FailedTimedOutAndAbortedResults_CountAsFailedAndExitNonZero()
    {
        WriteTrx("A.Tests", [("Passed", 4), ("Failed", 1), ("Timeout", 1), ("Aborted", 1)]);

        var result = await Summarize(2, "A.Tests");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("4 passed, 3 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_SkippedTest_CountsAsFailed()
    {
        WriteTrx("A.Tests", [("Passed", 2), ("NotExecuted", 1)]);

        var result = await Summarize(0, "A.Tests");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("A.Tests: 1 skipped; CI treats a skip as a failure.", result.Output, StringComparison.Ordinal);
        Assert.Equal("2 passed, 1 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_ProjectWithoutTrx_FailsAndNamesIt()
    {
        WriteTrx("A.Tests", [("Passed", 2)]);

        var result = await Summarize(0, "A.Tests", "B.Tests");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("B.Tests: no TRX file", result.Output, StringComparison.Ordinal);
        Assert.Equal("2 passed, 1 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_ProjectThatRanNoTest_Fails()
    {
        WriteTrx("A.Tests", []);

        var result = await Summarize(0, "A.Tests");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("0 passed, 1 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_NoProjectAndNoTrx_FailsAsNoTestRan()
    {
        var result = await Summarize(0);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("No test ran.", result.Output, StringComparison.Ordinal);
        Assert.Equal("0 passed, 1 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_DotnetTestFailedWithAllResultsPassed_ReportsOneFailure()
    {
        WriteTrx("A.Tests", [("Passed", 7)]);

        var result = await Summarize(1, "A.Tests");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("dotnet test exited with 1 although no result failed", result.Output, StringComparison.Ordinal);
        Assert.Equal("7 passed, 1 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_TestNamesWithQuotesAndAngleBrackets_CountsEachResultOnce()
    {
        WriteTrx("A.Tests", [("Passed", 2), ("Failed", 1)], name: "Render(text: \"<b outcome=\\\"Failed\\\">\")");

        var result = await Summarize(2, "A.Tests");

        Assert.Equal("2 passed, 1 failed", LastLine(result));
    }

    [Fact]
    public async Task Summarize_TwoTrxFilesFromOneProject_Fails()
    {
        WriteTrx("A.Tests", [("Passed", 1)]);
        WriteTrx("A.Tests", [("Passed", 1)]);

        var result = await Summarize(0, "A.Tests");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("2 passed, 1 failed", LastLine(result));
    }

    public void Dispose() => Directory.Delete(_results, recursive: true);

    private Task<CommandResult> Summarize(int dotnetTestExitCode, params string[] projects) =>
        Command.RunAsync(
            "bash",
            [Path.Combine(Repository.Root, ".ci", "summarize-tests"), _results, dotnetTestExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture), .. projects],
            _results,
            TimeSpan.FromSeconds(30));

    private static string LastLine(CommandResult result) => result.Output.TrimEnd().Split('\n')[^1];

    private void WriteTrx(string project, (string Outcome, int Count)[] outcomes, string name = "Member_Scenario_Expectation")
    {
        var results = new XElement(Trx + "Results");
        var definitions = new XElement(Trx + "TestDefinitions");
        var index = 0;
        foreach (var (outcome, count) in outcomes)
        {
            for (var i = 0; i < count; i++, index++)
            {
                var id = Guid.NewGuid().ToString();
                var testName = $"{project}.SomeTests.{name} #{index}";
                results.Add(new XElement(
                    Trx + "UnitTestResult",
                    new XAttribute("testName", testName),
                    new XAttribute("outcome", outcome),
                    new XAttribute("testId", id),
                    new XAttribute("computerName", "unknown")));
                definitions.Add(new XElement(
                    Trx + "UnitTest",
                    new XAttribute("name", testName),
                    new XAttribute("id", id),
                    new XAttribute("storage", $"/build/{project}/bin/Debug/net10.0/{project}.dll")));
            }
        }

        var document = new XDocument(new XElement(Trx + "TestRun", new XAttribute("id", Guid.NewGuid()), results, definitions));
        // One line, as the runner writes it.
        File.WriteAllText(Path.Combine(_results, $"root_machine_{Guid.NewGuid():N}.trx"), document.ToString(SaveOptions.DisableFormatting));
    }
}
