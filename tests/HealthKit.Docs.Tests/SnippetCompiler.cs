using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace HealthKit.Docs.Tests;

/// <summary>
/// Compiles documentation blocks with Roslyn, in process, each block its own compilation (a block of top-level
/// statements is a program of its own, and two blocks may declare the same type), against the assemblies this test
/// runs on: .NET, ASP.NET Core, HealthKit, HealthKit.Npgsql and the packages the docs name.
/// </summary>
/// <remarks>
/// <para>Every block gets the implicit usings of a <c>Microsoft.NET.Sdk.Web</c> project, as a <c>dotnet new web</c> app has.</para>
/// <para>
/// A <b>program</b> is a block of top-level statements that creates its own <c>builder</c>: it compiles exactly as
/// pasted into an empty <c>Program.cs</c>, so it needs every other <c>using</c> itself.
/// </para>
/// <para>
/// Any other block is an <b>excerpt of a Program.cs</b> that already has <c>using HealthKit;</c>, and, unless the block
/// declares them itself, <c>var builder = WebApplication.CreateBuilder(args);</c> and <c>var app = builder.Build();</c>.
/// </para>
/// </remarks>
internal static class SnippetCompiler
{
    private static readonly string[] WebUsings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Net.Http.Json",
        "System.Threading", "System.Threading.Tasks", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Http", "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration",
        "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging",
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    /// <summary>The compiler's errors for <paramref name="block"/>, each as <c>file:line: error CSxxxx: message</c>.</summary>
    public static List<string> Errors(CodeBlock block)
    {
        var parsed = CSharpSyntaxTree.ParseText(block.Code, ParseOptions);
        var unit = (CompilationUnitSyntax)parsed.GetRoot();
        var statements = unit.Members.OfType<GlobalStatementSyntax>().ToList();
        var declared = statements.SelectMany(s => s.DescendantNodes().OfType<VariableDeclaratorSyntax>()).Select(v => v.Identifier.ValueText)
            .Concat(statements.SelectMany(s => s.DescendantNodes().OfType<SingleVariableDesignationSyntax>()).Select(v => v.Identifier.ValueText))
            .ToHashSet(StringComparer.Ordinal);
        var program = statements.Count > 0 && declared.Contains("builder");

        var usings = program ? WebUsings : [.. WebUsings, "HealthKit"];
        var globalUsings = CSharpSyntaxTree.ParseText(string.Concat(usings.Select(u => $"global using global::{u};\n")), ParseOptions, "GlobalUsings.g.cs");

        var source = program || statements.Count == 0 ? Mapped(block, block.Code, 0) : WithPrelude(block, unit, declared);
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Snippet.cs");
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [globalUsings, tree],
            References.Value,
            new CSharpCompilationOptions(statements.Count > 0 ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        return [.. compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{Where(block, d)}: error {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")];
    }

    /// <summary>The block's <c>using</c> directives, then the declarations it did not make, then the rest of the block.</summary>
    private static string WithPrelude(CodeBlock block, CompilationUnitSyntax unit, HashSet<string> declared)
    {
        var split = unit.Usings.Count == 0 ? 0 : unit.Usings[^1].FullSpan.End;
        var head = block.Code[..split];
        var prelude = (declared.Contains("builder") ? string.Empty : "var builder = WebApplication.CreateBuilder(args);\n")
            + (declared.Contains("app") ? string.Empty : "var app = builder.Build();\n");
        var headLines = head.Count(c => c == '\n');
        return Mapped(block, head, 0) + "#line hidden\n" + prelude + Mapped(block, block.Code[split..], headLines);
    }

    /// <summary><paramref name="code"/>, with its errors reported at the Markdown file's lines.</summary>
    private static string Mapped(CodeBlock block, string code, int lineOffset) =>
        code.Length == 0 ? string.Empty : $"#line {block.Line + lineOffset} \"{block.File}\"\n{code}\n";

    private static string Where(CodeBlock block, Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        return span.HasMappedPath
            ? $"{span.Path}:{span.StartLinePosition.Line + 1}"
            : $"{block.File}:{block.Line} (in the declarations added before the block)";
    }

    /// <summary>Every assembly the test host loaded from: the shared frameworks, the projects and the packages.</summary>
    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return [.. paths.Where(File.Exists).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }
}
