using HealthKit.Redaction;
using Microsoft.Extensions.Configuration;

namespace HealthKit.Live;

/// <summary>
/// The application's configuration files that reload on change, and whether each can be read now. A reload while one
/// of them cannot be parsed, or is missing when it existed at startup, is rejected whole.
/// </summary>
/// <remarks>
/// <para>
/// When a file fails to parse on reload, .NET's <see cref="FileConfigurationProvider"/> empties that provider's data and
/// throws before it signals a reload, so no reload token fires; the empty data would be read at the next reload of
/// anything else. HealthKit learns of the failure through <see cref="FileConfigurationSource.OnLoadException"/>: it adds
/// a handler to each such source, which records the failure and calls the handler that was there before. It never marks
/// the exception handled (unless that earlier handler does), so what .NET does for the rest of the application is
/// unchanged.
/// </para>
/// <para>
/// A file recorded as broken counts as readable again once it parses and the provider holds what it parses to, so that a
/// reload of another source in between never applies the broken file's emptied data.
/// </para>
/// </remarks>
internal sealed class ConfigurationFiles : IDisposable
{
    /// <summary>
    /// Set on the thread that parses a file to test it, so that the handler leaves the failure to the provider, which
    /// throws it to the test, rather than record it as the application's.
    /// </summary>
    [ThreadStatic]
    private static bool t_probing;

    private readonly Lock _gate = new();
    private readonly List<File> _files = [];
    private readonly List<(FileConfigurationSource Source, Action<FileLoadExceptionContext>? Previous, Action<FileLoadExceptionContext> Added)> _handlers = [];

    /// <param name="configuration">The application's configuration.</param>
    /// <param name="failed">Called on the thread that loaded the file, after a failure to parse it on reload was recorded.</param>
    public ConfigurationFiles(IConfiguration configuration, Action failed)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return;
        }

        foreach (var provider in root.Providers.OfType<FileConfigurationProvider>())
        {
            var source = provider.Source;
            if (!source.ReloadOnChange || source.FileProvider is null || string.IsNullOrEmpty(source.Path))
            {
                continue;
            }

            var file = new File(provider, source.Path, source.FileProvider.GetFileInfo(source.Path).Exists);
            _files.Add(file);
            var previous = source.OnLoadException;
            Action<FileLoadExceptionContext> added = context =>
            {
                if (t_probing)
                {
                    return;
                }

                // Added once the application has started, so every failure it sees is a reload's.
                previous?.Invoke(context);
                lock (_gate)
                {
                    file.Error = Describe(context.Exception);
                }

                failed();
            };
            source.OnLoadException = added;
            _handlers.Add((source, previous, added));
        }
    }

    /// <summary>Puts back the handlers that were there before, unless someone has replaced them since.</summary>
    public void Dispose()
    {
        foreach (var (source, previous, added) in _handlers)
        {
            if (source.OnLoadException == added)
            {
                source.OnLoadException = previous;
            }
        }
    }

    /// <summary>The files that cannot be read now, each with why; empty when every file can.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        foreach (var file in _files)
        {
            var source = file.Provider.Source;
            if (file.ExistedAtStart && !source.FileProvider!.GetFileInfo(source.Path!).Exists)
            {
                problems.Add($"the configuration file '{file.Name}' is missing: HealthKit keeps its previous settings until the file is back (restart the application to run without it).");
                continue;
            }

            string? error;
            lock (_gate)
            {
                error = file.Error;
            }

            if (error is null)
            {
                continue;
            }

            if (StillBroken(file) is { } now)
            {
                problems.Add($"the configuration file '{file.Name}' could not be parsed ({now}): HealthKit keeps its previous settings until it parses again.");
            }
            else
            {
                lock (_gate)
                {
                    file.Error = null;
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// Parses the file again with a provider of its own. Null when it parses and the application's provider holds the
    /// same values, which it does once it has reloaded the file; otherwise why not.
    /// </summary>
    private static string? StillBroken(File file)
    {
        t_probing = true;
        try
        {
            var probe = file.Provider.Source.Build(new ConfigurationBuilder());

            // The probe would watch the file as well as the application's provider does.
            using var watching = probe as IDisposable;
            probe.Load();

            foreach (var key in Keys(probe, parent: null))
            {
                if (probe.TryGet(key, out var expected)
                    && (!file.Provider.TryGet(key, out var actual) || !string.Equals(expected, actual, StringComparison.Ordinal)))
                {
                    return "the file has changed and is not loaded yet";
                }
            }

            return null;
        }
#pragma warning disable CA1031 // A file that cannot be read for any reason is still broken.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Describe(ex);
        }
        finally
        {
            t_probing = false;
        }
    }

    private static List<string> Keys(IConfigurationProvider provider, string? parent)
    {
        var keys = new List<string>();
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var key = parent is null ? child : parent + ConfigurationPath.KeyDelimiter + child;
            keys.Add(key);
            keys.AddRange(Keys(provider, key));
        }

        return keys;
    }

    /// <summary>The innermost message (the parser's, with the line and position), redacted: a broken line may hold a secret.</summary>
    internal static string Describe(Exception exception)
    {
        var innermost = exception;
        for (var depth = 0; innermost.InnerException is { } inner && depth < 8; depth++)
        {
            innermost = inner;
        }

        return Redactor.RedactText(ExceptionMembers.Message(innermost));
    }

    private sealed class File(FileConfigurationProvider provider, string name, bool existedAtStart)
    {
        public FileConfigurationProvider Provider { get; } = provider;

        public string Name { get; } = name;

        public bool ExistedAtStart { get; } = existedAtStart;

        /// <summary>Why the last reload of the file failed; null while it loads. Guarded by the owner's lock.</summary>
        public string? Error { get; set; }
    }
}
