namespace HealthKit.Docs.Tests;

/// <summary>
/// Every <c>csharp</c> block of README.md and docs/**/*.md compiles, as <see cref="SnippetCompiler"/> describes, unless
/// its fence says <c>csharp fragment</c>.
/// </summary>
public sealed class DocsSnippetTests
{
    [Fact]
    public void DocsBlocks_EveryCSharpBlockThatIsNotAFragment_Compiles()
    {
        var root = FindRoot();
        var blocks = MarkdownBlocks.Files(root)
            .SelectMany(file => MarkdownBlocks.Parse(Path.GetRelativePath(root, file).Replace('\\', '/'), File.ReadAllText(file)))
            .ToList();
        var compiled = blocks.Where(b => !b.Fragment).ToList();

        var errors = compiled.AsParallel().AsOrdered().SelectMany(b => SnippetCompiler.Errors(b).Select(e => $"block at {b}: {e}")).ToList();

        // The README's Program.cs alone is a program; a test that found no block would prove nothing.
        Assert.NotEmpty(compiled);
        Assert.True(errors.Count == 0, $"{errors.Count} compiler error(s) in the docs' csharp blocks (mark an excerpt ```csharp fragment):\n" + string.Join('\n', errors));
    }

    [Fact]
    public void Compile_ProgramThatReturnsEarlyButNotAtTheEnd_ReportsCS0161AtTheMarkdownLine()
    {
        var block = Single("""
            # Self-probe

            ```csharp
            using HealthKit;

            if (HealthKitProbe.TryRun(args, out var exitCode))
            {
                return exitCode;
            }

            var builder = WebApplication.CreateBuilder(args);
            var app = builder.Build();
            app.Run();
            ```
            """);

        var error = Assert.Single(SnippetCompiler.Errors(block));

        Assert.StartsWith("docs/page.md:", error, StringComparison.Ordinal);
        Assert.Contains("error CS0161", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ProgramWithoutItsUsings_FailsNamingTheLineAndTheMissingName()
    {
        var block = Single("""
            Text.

            ```csharp
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddHealthKit();
            ```
            """);

        var error = Assert.Single(SnippetCompiler.Errors(block));

        Assert.StartsWith("docs/page.md:5: error CS1061:", error, StringComparison.Ordinal);
        Assert.Contains("'AddHealthKit'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ExcerptUsingBuilderAndApp_Compiles_AndAWrongMemberIsAnError()
    {
        var good = Single("""
            ```csharp
            builder.Services.AddHealthKit(o => o.Endpoints.Ready.DetailLevel = HealthDetailLevel.Status);
            app.MapHealthKit();
            ```
            """);
        var bad = Single("""
            ```csharp
            builder.Services.AddHealthKit(o => o.Endpoints.Ready.Level = HealthDetailLevel.Status);
            ```
            """);

        Assert.Empty(SnippetCompiler.Errors(good));
        var error = Assert.Single(SnippetCompiler.Errors(bad));
        Assert.StartsWith("docs/page.md:2: error CS1061:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FragmentMarkerAndOtherLanguages_AreTold()
    {
        var blocks = MarkdownBlocks.Parse("docs/page.md", """
            ```csharp fragment
            this is not C#
            ```

            ```bash
            echo not C#
            ```

            - In a list:

              ```csharp
              app.MapHealthKit();
              ```
            """);

        Assert.Equal(2, blocks.Count);
        Assert.True(blocks[0].Fragment);
        Assert.Equal(2, blocks[0].Line);
        Assert.False(blocks[1].Fragment);
        Assert.Equal(12, blocks[1].Line);
        Assert.Equal("app.MapHealthKit();\n", blocks[1].Code);
    }

    private static CodeBlock Single(string markdown) => Assert.Single(MarkdownBlocks.Parse("docs/page.md", markdown));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "HealthKit.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No HealthKit.sln above {AppContext.BaseDirectory}.");
    }
}
