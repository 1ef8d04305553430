using HealthKit.Live;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace HealthKit.Tests.Live;

/// <summary>
/// What <see cref="ConfigurationFiles"/> tracks and reports, driven directly: real JSON files in a temporary folder, and
/// the configuration reloaded by the test (<see cref="IConfigurationRoot.Reload"/>), not by a file watcher's timing.
/// </summary>
public sealed class ConfigurationFilesTests : IDisposable
{
    private const string Valid = """{ "HealthKit": { "Checks": { "replica": { "Enabled": false, "Critical": true } } } }""";

    private readonly string _folder = Directory.CreateTempSubdirectory("healthkit-files-").FullName;

    private string Watched => Path.Combine(_folder, "appsettings.json");

    private string Unwatched => Path.Combine(_folder, "fixed.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private IConfigurationRoot Build(Action<JsonConfigurationSource>? watched = null)
    {
        File.WriteAllText(Watched, Valid);
        File.WriteAllText(Unwatched, """{ "Fixed": { "Value": "1" } }""");
        return new ConfigurationBuilder()
            .AddJsonFile(s =>
            {
                s.Path = Watched;
                s.ReloadOnChange = true;
                s.ResolveFileProvider();

                // Reloads on change, as far as HealthKit can tell, but only the test reloads it: a watcher firing late
                // for an earlier write would otherwise reload a file the test has just written and not yet reloaded.
                s.FileProvider = new UnwatchedFiles(s.FileProvider!);
                watched?.Invoke(s);
            })
            .AddJsonFile(Unwatched, optional: true, reloadOnChange: false)
            .Build();
    }

    /// <summary>Reloads every provider; a file that fails to parse throws once HealthKit's handler has recorded it.</summary>
    private static void Reload(IConfigurationRoot configuration)
    {
        try
        {
            configuration.Reload();
        }
        catch (InvalidDataException)
        {
        }
    }

    [Fact]
    public void FileBroken_ReportedAndHeard_UntilItParsesAndIsLoaded()
    {
        var configuration = Build();
        var failures = 0;
        using var files = new ConfigurationFiles(configuration, () => failures++);
        Assert.Empty(files.Problems());

        File.WriteAllText(Watched, """{ "HealthKit": { "Checks": { "repl""");
        Reload(configuration);

        Assert.Equal(1, failures);
        var problem = Assert.Single(files.Problems());
        Assert.StartsWith("the configuration file 'appsettings.json' could not be parsed (", problem, StringComparison.Ordinal);
        Assert.EndsWith("): HealthKit keeps its previous settings until it parses again.", problem, StringComparison.Ordinal);

        File.WriteAllText(Watched, Valid);
        Reload(configuration);

        Assert.Empty(files.Problems());
        Assert.Empty(files.Problems());
    }

    /// <summary>
    /// Fixed but not yet reloaded, a file still counts as broken, down to a value nested three levels deep: the
    /// application's provider holds the emptied data until it reloads.
    /// </summary>
    [Theory]
    [InlineData("""{ "HealthKit": { "Checks": { "replica": { "Enabled": false, "Critical": false } } } }""")]
    [InlineData("""{ "HealthKit": { "Checks": { "replica": { "Enabled": false, "Critical": true } } }, "Added": "1" }""")]
    public void FileFixed_NotYetReloaded_StillAProblem_ThenNotOnceLoaded(string fixedText)
    {
        var configuration = Build();
        using var files = new ConfigurationFiles(configuration, () => { });
        File.WriteAllText(Watched, "{");
        Reload(configuration);

        // Written straight to disk, not reloaded: the provider still holds the emptied data.
        File.WriteAllText(Watched, fixedText);

        var problem = Assert.Single(files.Problems());
        Assert.Equal("the configuration file 'appsettings.json' could not be parsed (the file has changed and is not loaded yet): HealthKit keeps its previous settings until it parses again.", problem);

        Reload(configuration);
        Assert.Empty(files.Problems());
    }

    /// <summary>
    /// Only a file that failed to parse is compared with what it holds on disk: an edit waiting for its reload is no
    /// problem, whether the file was never broken or was broken and has been loaded since.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FileEditedButNotYetReloaded_IsNoProblem_UnlessItFailedToParse(bool brokenAndLoadedBefore)
    {
        var configuration = Build();
        using var files = new ConfigurationFiles(configuration, () => { });
        if (brokenAndLoadedBefore)
        {
            File.WriteAllText(Watched, "{");
            Reload(configuration);
            Assert.Single(files.Problems());
            File.WriteAllText(Watched, Valid);
            Reload(configuration);
            Assert.Empty(files.Problems());
        }

        File.WriteAllText(Watched, """{ "HealthKit": { "Checks": { "replica": { "Enabled": true } } } }""");

        Assert.Empty(files.Problems());
    }

    [Fact]
    public void FileDeleted_OneProblemSayingItIsMissing_EvenWhenItWasBrokenBefore()
    {
        var configuration = Build();
        using var files = new ConfigurationFiles(configuration, () => { });
        File.WriteAllText(Watched, "{");
        Reload(configuration);

        File.Delete(Watched);

        var problem = Assert.Single(files.Problems());
        Assert.Equal("the configuration file 'appsettings.json' is missing: HealthKit keeps its previous settings until the file is back (restart the application to run without it).", problem);
    }

    [Fact]
    public void FileThatDoesNotReload_NotTracked_DeletingItIsNoProblem()
    {
        var configuration = Build();
        var failures = 0;
        using var files = new ConfigurationFiles(configuration, () => failures++);

        File.Delete(Unwatched);

        Assert.Empty(files.Problems());
        Assert.Null(((JsonConfigurationSource)configuration.Providers.OfType<JsonConfigurationProvider>().Last().Source).OnLoadException);
    }

    /// <summary>
    /// HealthKit's handler calls the one that was there before and leaves the exception unhandled, and disposing puts the
    /// earlier handler back; a handler someone set in between is left alone.
    /// </summary>
    [Fact]
    public void Dispose_PutsBackTheEarlierHandler_UnlessReplacedSince()
    {
        var earlier = 0;
        Action<FileLoadExceptionContext> handler = _ => earlier++;
        var configuration = Build(s => s.OnLoadException = handler);
        var source = (JsonConfigurationSource)configuration.Providers.OfType<JsonConfigurationProvider>().First().Source;
        var files = new ConfigurationFiles(configuration, () => { });
        Assert.NotSame(handler, source.OnLoadException);

        File.WriteAllText(Watched, "{");
        Assert.Throws<InvalidDataException>(configuration.Reload);
        Assert.Equal(1, earlier);

        files.Dispose();
        Assert.Same(handler, source.OnLoadException);

        var replaced = new ConfigurationFiles(configuration, () => { });
        Action<FileLoadExceptionContext> someoneElses = _ => { };
        source.OnLoadException = someoneElses;
        replaced.Dispose();
        Assert.Same(someoneElses, source.OnLoadException);
    }

    /// <summary>The innermost message, at most eight exceptions in.</summary>
    [Theory]
    [InlineData(0, "level 0")]
    [InlineData(3, "level 3")]
    [InlineData(8, "level 8")]
    [InlineData(12, "level 8")]
    public void Describe_InnermostMessageUpToEightDeep(int depth, string expected)
    {
        var exception = new InvalidOperationException("level " + depth);
        for (var level = depth - 1; level >= 0; level--)
        {
            exception = new InvalidOperationException("level " + level, exception);
        }

        Assert.Equal(expected, ConfigurationFiles.Describe(exception));
    }

    private sealed class UnwatchedFiles(IFileProvider files) : IFileProvider
    {
        public IDirectoryContents GetDirectoryContents(string subpath) => files.GetDirectoryContents(subpath);

        public IFileInfo GetFileInfo(string subpath) => files.GetFileInfo(subpath);

        public IChangeToken Watch(string filter) => NullChangeToken.Singleton;
    }
}
