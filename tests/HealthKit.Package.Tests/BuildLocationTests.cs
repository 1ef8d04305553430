using System.Text.Json;
using System.Text.RegularExpressions;
using HealthKit.Package.Tests.Infrastructure;

namespace HealthKit.Package.Tests;

/// <summary>
/// The build does not depend on where the repository sits: a clone under a path with <c>/src/</c> in it (such as
/// <c>~/src/HealthKit</c>) and the Dockerfile's <c>WORKDIR /src</c> build as any other. Docker is not available to the
/// tests, so the Dockerfile's build stage is carried out here, step by step, on the exact files it copies.
/// </summary>
public sealed partial class BuildLocationTests(PackedPackages packages)
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Clone_UnderAPathContainingSrc_OnlyTheProjectsUnderSrcArePublishedLibraries()
    {
        // The shared pack's clone sits at <temp>/healthkit-package-<id>/src/HealthKit.
        Assert.Contains($"{Path.DirectorySeparatorChar}src{Path.DirectorySeparatorChar}", packages.Clone + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        var projects = Directory.GetFiles(packages.Clone, "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(packages.Clone, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Contains("samples/HealthKit.Sample/HealthKit.Sample.csproj", projects);
        Assert.Contains("tests/HealthKit.Tests/HealthKit.Tests.csproj", projects);

        foreach (var project in projects)
        {
            var result = await Command.RunAsync(
                Command.Dotnet,
                ["msbuild", project, "-getProperty:IsPackable", "-getProperty:AnalysisMode", "-getProperty:GenerateDocumentationFile"],
                packages.Clone,
                CommandLimit);
            Assert.True(result.ExitCode == 0, $"evaluating {project} failed:\n{result.Output}");
            var properties = JsonDocument.Parse(result.Output[result.Output.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("Properties");

            var library = project.StartsWith("src/", StringComparison.Ordinal);
            Assert.True(
                (library ? "true" : "false") == properties.GetProperty("IsPackable").GetString(),
                $"{project}: IsPackable is '{properties.GetProperty("IsPackable").GetString()}'");
            Assert.True(
                library == (properties.GetProperty("AnalysisMode").GetString() == "Recommended"),
                $"{project}: AnalysisMode is '{properties.GetProperty("AnalysisMode").GetString()}'");
        }
    }

    [Theory]
    [InlineData("Dockerfile", "HealthKit.Sample.dll")]
    [InlineData("Dockerfile.worker", "HealthKit.Worker.dll")]
    public async Task Dockerfile_BuildStage_PublishesTheSampleFromTheFilesItCopiesUnderSrc(string file, string assembly)
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "samples", "docker", file), TestContext.Current.CancellationToken);
        var ignore = (await File.ReadAllLinesAsync(Path.Combine(Repository.Root, "samples", "docker", file + ".dockerignore"), TestContext.Current.CancellationToken))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(DockerIgnorePattern)
            .ToList();
        // The build context: the repository's files, less what the .dockerignore keeps out.
        var context = (await Repository.FilesAsync()).Where(f => !ignore.Any(p => p.IsMatch(f))).ToList();

        // The image's file system, rooted in a temporary folder: "/src" is <root>/src, "/app" is <root>/app.
        var root = Path.Combine(Path.GetTempPath(), $"healthkit-docker-{Guid.NewGuid():N}");
        try
        {
            var workdir = "/";
            var steps = 0;
            foreach (var (instruction, arguments) in BuildStage(dockerfile))
            {
                switch (instruction)
                {
                    case "WORKDIR":
                        workdir = arguments.StartsWith('/') ? arguments : $"{workdir.TrimEnd('/')}/{arguments}";
                        Directory.CreateDirectory(Host(root, workdir));
                        break;
                    case "COPY":
                        var words = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                        var destination = words[^1].StartsWith('/') ? words[^1] : $"{workdir.TrimEnd('/')}/{words[^1]}";
                        foreach (var source in words[..^1])
                        {
                            var copied = source.EndsWith('/')
                                ? context.Where(f => f.StartsWith(source, StringComparison.Ordinal)).Select(f => (From: f, To: f[source.Length..])).ToList()
                                : context.Where(f => f == source).Select(f => (From: f, To: Path.GetFileName(f))).ToList();
                            Assert.True(copied.Count > 0, $"COPY {source}: nothing in the build context matches");
                            foreach (var (from, to) in copied)
                            {
                                var target = Path.Combine(Host(root, destination), to);
                                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                                File.Copy(Path.Combine(Repository.Root, from), target);
                            }
                        }

                        break;
                    case "RUN":
                        // Absolute paths of the image become paths under the root; `dotnet` is the SDK running these tests.
                        var command = string.Join(' ', arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                            .Select(w => w.StartsWith('/') ? Host(root, w) : w == "dotnet" ? Command.Dotnet : w));
                        // A docker build runs outside CI, whatever the machine running these tests is.
                        var result = await Command.RunAsync(
                            "bash",
                            ["-c", command],
                            Host(root, workdir),
                            CommandLimit,
                            new Dictionary<string, string> { ["CI"] = "false", ["GITHUB_ACTIONS"] = "false" });
                        Assert.True(result.ExitCode == 0, $"RUN {arguments} exited with {result.ExitCode}:\n{result.Output}");
                        break;
                    default:
                        break;
                }

                steps++;
            }

            Assert.True(steps >= 5, $"the build stage has {steps} steps; the Dockerfile was not read");
            Assert.True(File.Exists(Path.Combine(root, "app", assembly)), $"the publish left no {assembly} in /app");
            Assert.True(Directory.Exists(Path.Combine(root, "data")), "no /data for the runtime stage to copy");
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static string Host(string root, string imagePath) => Path.Combine(root, imagePath.TrimStart('/'));

    /// <summary>The first stage's instructions (up to the second FROM), continuation lines joined, comments left out.</summary>
    private static IEnumerable<(string Instruction, string Arguments)> BuildStage(string dockerfile)
    {
        var lines = dockerfile.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.TrimStart().StartsWith('#'));
        var froms = 0;
        foreach (var line in string.Join('\n', lines).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var instruction = line[..space].ToUpperInvariant();
            if (instruction == "FROM" && ++froms > 1)
            {
                yield break;
            }

            yield return (instruction, line[(space + 1)..].Trim());
        }
    }

    /// <summary>A .dockerignore line as a regular expression over context-relative paths with forward slashes.</summary>
    private static Regex DockerIgnorePattern(string pattern)
    {
        var directory = pattern.EndsWith('/');
        var body = Regex.Escape(pattern.TrimEnd('/'))
            .Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal);
        return new Regex($"^{body}{(directory ? "/" : "(?:/|$)")}", RegexOptions.CultureInvariant);
    }
}
