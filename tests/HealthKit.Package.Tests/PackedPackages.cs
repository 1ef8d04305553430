using System.Text.RegularExpressions;
using HealthKit.Package.Tests.Infrastructure;

// Packing takes most of this project's time, so every test class shares one pack.
[assembly: AssemblyFixture(typeof(HealthKit.Package.Tests.PackedPackages))]

namespace HealthKit.Package.Tests;

/// <summary>
/// HealthKit, HealthKit.Grpc and HealthKit.Npgsql packed once into a temporary folder that serves as a local package feed, as
/// docs/install.md tells a user to: <c>dotnet pack HealthKit.sln -c Release -o FEED</c>, in a clone of the repository whose
/// <c>origin</c> is a GitHub URL, so SourceLink has a remote to point at. The clone sits under a path that contains
/// <c>/src/</c>, as a clone at <c>~/src/HealthKit</c> does. <c>CI=true</c> is set as on the build server, which makes
/// the build deterministic (<c>ContinuousIntegrationBuild</c>).
/// </summary>
public sealed partial class PackedPackages : IAsyncLifetime
{
    /// <summary>The remote the clone gets, in the form a GitHub repository has.</summary>
    public const string RemoteUrl = "https://github.com/example/HealthKit.git";

    public static readonly string[] Ids = ["HealthKit", "HealthKit.Grpc", "HealthKit.Npgsql"];

    private static readonly TimeSpan PackLimit = TimeSpan.FromMinutes(8);

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"healthkit-package-{Guid.NewGuid():N}");

    public string Clone => Path.Combine(Folder, "src", "HealthKit");

    public string Feed => Path.Combine(Folder, "feed");

    /// <summary>The clone's commit, which the packages and their symbols name.</summary>
    public string Commit { get; private set; } = string.Empty;

    /// <summary>The version the packs got, read from the package file's name.</summary>
    public string Version { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Clone)!);
        Commit = await Repository.CloneAsync(Clone);
        await Repository.Git(Clone, "remote", "set-url", "origin", RemoteUrl);
        await PackAsync(Clone, "HealthKit.sln", Feed);

        var core = Directory.GetFiles(Feed, "HealthKit.*.nupkg").Select(Path.GetFileName).Single(f => CorePackage().IsMatch(f!));
        Version = CorePackage().Match(core!).Groups[1].Value;
    }

    /// <summary>
    /// Runs <c>dotnet pack <paramref name="project"/> -c Release -o <paramref name="feed"/></c> in <paramref name="clone"/>.
    /// </summary>
    public static async Task PackAsync(string clone, string project, string feed, params string[] properties)
    {
        var result = await Command.RunAsync(
            Command.Dotnet,
            [
                "pack", project,
                "--configuration", "Release",
                "--output", feed,
                // A compiler server or MSBuild node left behind would outlive the test run.
                "--disable-build-servers",
                "-v", "q",
                .. properties,
            ],
            clone,
            PackLimit,
            new Dictionary<string, string> { ["CI"] = "true" });
        Assert.True(result.ExitCode == 0, $"dotnet pack {project} failed:\n{result.Output}");
    }

    public string Package(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex(@"^HealthKit\.(\d.*)\.nupkg$")]
    private static partial Regex CorePackage();
}
