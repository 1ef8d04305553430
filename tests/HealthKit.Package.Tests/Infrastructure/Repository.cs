namespace HealthKit.Package.Tests.Infrastructure;

/// <summary>The repository these tests were built from.</summary>
internal static class Repository
{
    /// <summary>The folder that holds <c>HealthKit.sln</c>, found upwards from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

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
