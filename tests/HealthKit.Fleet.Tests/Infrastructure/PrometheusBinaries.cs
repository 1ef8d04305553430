namespace HealthKit.Fleet.Tests.Infrastructure;

/// <summary>
/// Prometheus's own programs: <c>promtool</c> and the <c>prometheus</c> server, from the Debian package <c>prometheus</c>
/// (<c>eng/test.sh</c> installs it), or from the folder <c>HEALTHKIT_TEST_PROMETHEUS_BIN</c> names. A test that needs them
/// fails, never skips, when they are missing.
/// </summary>
internal static class PrometheusBinaries
{
    /// <summary>The environment variable that names a folder holding <c>promtool</c> and <c>prometheus</c>.</summary>
    public const string Variable = "HEALTHKIT_TEST_PROMETHEUS_BIN";

    public static string Promtool => Find("promtool");

    public static string Server => Find("prometheus");

    private static string Find(string name)
    {
        var folders = Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
            ? [configured]
            : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin");
        foreach (var folder in folders)
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Fail($"'{name}' was not found (in {Variable} or on PATH): install the Debian package 'prometheus' (eng/test.sh does), or point {Variable} at a folder that holds promtool and prometheus.");
        return name;
    }
}
