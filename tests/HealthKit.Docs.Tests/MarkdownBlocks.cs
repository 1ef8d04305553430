namespace HealthKit.Docs.Tests;

/// <summary>One fenced <c>csharp</c> block of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root, with <c>/</c> separators.</param>
/// <param name="Line">The 1-based line of the block's first line of code (the line after the opening fence).</param>
/// <param name="Code">The block's code, with the fence's indentation removed.</param>
/// <param name="Fragment">Whether the fence says <c>csharp fragment</c>: the block is an excerpt and is not compiled.</param>
internal sealed record CodeBlock(string File, int Line, string Code, bool Fragment)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Finds the fenced C# blocks of Markdown files.</summary>
internal static class MarkdownBlocks
{
    private static readonly string[] CSharp = ["csharp", "cs", "c#"];

    /// <summary>Every Markdown file the docs test reads: README.md and docs/**/*.md.</summary>
    public static IEnumerable<string> Files(string root)
    {
        var readme = Path.Combine(root, "README.md");
        if (File.Exists(readme))
        {
            yield return readme;
        }

        var docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs))
        {
            foreach (var file in Directory.EnumerateFiles(docs, "*.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }
    }

    /// <summary>The C# blocks of <paramref name="markdown"/>, named <paramref name="file"/>.</summary>
    public static List<CodeBlock> Parse(string file, string markdown)
    {
        var blocks = new List<CodeBlock>();
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!TryOpen(lines[i], out var indent, out var fence, out var info))
            {
                continue;
            }

            var start = i + 1;
            var code = new List<string>();
            for (i++; i < lines.Length && !IsClose(lines[i], fence); i++)
            {
                code.Add(Unindent(lines[i], indent));
            }

            var words = info.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 0 && CSharp.Contains(words[0], StringComparer.OrdinalIgnoreCase))
            {
                var fragment = words.Skip(1).Contains("fragment", StringComparer.OrdinalIgnoreCase);
                blocks.Add(new CodeBlock(file, start + 1, string.Join('\n', code) + "\n", fragment));
            }
        }

        return blocks;
    }

    /// <summary>An opening fence: up to three spaces (more inside a list item), three or more backticks, an info string.</summary>
    private static bool TryOpen(string line, out int indent, out string fence, out string info)
    {
        indent = line.Length - line.TrimStart(' ').Length;
        var rest = line[indent..];
        var ticks = rest.Length - rest.TrimStart('`').Length;
        fence = new string('`', ticks);
        info = ticks >= 3 ? rest[ticks..].Trim() : string.Empty;
        return ticks >= 3 && !info.Contains('`', StringComparison.Ordinal);
    }

    private static bool IsClose(string line, string fence)
    {
        var trimmed = line.Trim();
        return trimmed.Length >= fence.Length && trimmed.All(c => c == '`');
    }

    private static string Unindent(string line, int indent)
    {
        var spaces = line.Length - line.TrimStart(' ').Length;
        return line[Math.Min(indent, spaces)..];
    }
}
