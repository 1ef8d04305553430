using HealthKit.Package.Tests.Infrastructure;

// Packing takes most of this project's time, so every test class shares one pack.
[assembly: AssemblyFixture(typeof(HealthKit.Package.Tests.PackedPackages))]

namespace HealthKit.Package.Tests;

/// <summary>
/// HealthKit and HealthKit.Npgsql packed once, by <c>dotnet pack</c> as a release would run it, into a temporary folder
/// that serves as a local package feed. <c>CI=true</c> is set as on the build server, which makes the build
/// deterministic (<c>ContinuousIntegrationBuild</c>).
/// </summary>
public sealed class PackedPackages : IAsyncLifetime
{
    public const string Version = "1.0.0";

    private static readonly TimeSpan PackLimit = TimeSpan.FromMinutes(5);

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"healthkit-package-{Guid.NewGuid():N}");

    public string Feed => Path.Combine(Folder, "feed");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        foreach (var project in new[] { "HealthKit", "HealthKit.Npgsql" })
        {
            var result = await Command.RunAsync(
                Command.Dotnet,
                [
                    "pack", Path.Combine(Repository.Root, "src", project, project + ".csproj"),
                    "--output", Feed,
                    // A compiler server or MSBuild node left behind would outlive the test run.
                    "--disable-build-servers",
                    "-v", "q",
                ],
                Repository.Root,
                PackLimit,
                new Dictionary<string, string> { ["CI"] = "true" });
            Assert.True(result.ExitCode == 0, $"dotnet pack {project} failed:\n{result.Output}");
        }
    }

    public string Package(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    public ValueTask DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return ValueTask.CompletedTask;
    }
}
