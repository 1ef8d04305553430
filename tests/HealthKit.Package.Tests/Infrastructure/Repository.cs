namespace HealthKit.Package.Tests.Infrastructure;

/// <summary>The repository these tests were built from.</summary>
internal static class Repository
{
    private static readonly TimeSpan GitLimit = TimeSpan.FromMinutes(2);

    /// <summary>The folder that holds <c>HealthKit.sln</c>, found upwards from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// The working tree's files, relative to <see cref="Root"/>: the tracked ones and the untracked ones git does not
    /// ignore, as a clone of the repository with the uncommitted work on top has them (no bin/, obj/ or test results).
    /// </summary>
    public static async Task<IReadOnlyList<string>> FilesAsync()
    {
        var listed = await Git(Root, "-c", "core.quotepath=off", "ls-files", "--cached", "--others", "--exclude-standard");
        return [.. listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(Path.Combine(Root, f)))];
    }

    /// <summary>Copies <paramref name="files"/> (relative to <see cref="Root"/>) to the same places under <paramref name="destination"/>.</summary>
    public static void Copy(IEnumerable<string> files, string destination)
    {
        foreach (var file in files)
        {
            var target = Path.Combine(destination, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(Root, file), target, overwrite: true);
        }
    }

    /// <summary>
    /// Clones the repository into <paramref name="destination"/> with <c>git clone</c>, lays the working tree's
    /// uncommitted work over it (so a test sees the code it was built with), and returns the clone's commit. The clone's
    /// <c>origin</c> is the local folder it was cloned from, as in a CI run's fresh clone.
    /// </summary>
    public static async Task<string> CloneAsync(string destination)
    {
        await Git(Path.GetDirectoryName(destination)!, "clone", "--quiet", "--no-hardlinks", Root, destination);
        Copy(await FilesAsync(), destination);
        return (await Git(destination, "rev-parse", "HEAD")).Trim();
    }

    /// <summary>Runs git in <paramref name="workingDirectory"/> and returns what it printed; fails the test if git fails.</summary>
    public static async Task<string> Git(string workingDirectory, params string[] arguments)
    {
        var result = await Command.RunAsync("git", arguments, workingDirectory, GitLimit);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}");
        return result.Output;
    }

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
