using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>Finds the PostgreSQL server programs: <c>pg_config --bindir</c>, then the highest Debian-style version.</summary>
internal static class PostgresBinaries
{
    public const string InstallHint =
        "Install the PostgreSQL server (Debian and Ubuntu: 'sudo apt-get install postgresql'; Fedora: 'sudo dnf install postgresql-server'; macOS: 'brew install postgresql'), " +
        "or set " + PostgresServer.EnvironmentVariable + " to the connection string of a superuser on an existing server.";

    private const string DebianRoot = "/usr/lib/postgresql";

    private static readonly Lazy<string?> Found = new(Find);

    public static string Locate() => Found.Value ?? throw new InvalidOperationException(
        $"The PostgreSQL tests start their own server, and its programs (initdb, pg_ctl) were not found: not in 'pg_config --bindir', {DebianRoot}/*/bin or the PATH. {InstallHint}");

    private static string? Find()
    {
        if (PgConfigBinDirectory() is { } fromPgConfig && HasServer(fromPgConfig))
        {
            return fromPgConfig;
        }

        if (!Directory.Exists(DebianRoot))
        {
            return OnPath();
        }

        return Directory.EnumerateDirectories(DebianRoot)
            .Select(directory => (Directory: Path.Combine(directory, "bin"), Version: double.TryParse(Path.GetFileName(directory), NumberStyles.Float, CultureInfo.InvariantCulture, out var version) ? version : -1))
            .Where(candidate => HasServer(candidate.Directory))
            .OrderByDescending(candidate => candidate.Version)
            .Select(candidate => candidate.Directory)
            .FirstOrDefault() ?? OnPath();
    }

    /// <summary>Where initdb is on the PATH, as some distributions install it.</summary>
    private static string? OnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(HasServer);

    private static bool HasServer(string directory) =>
        File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"));

    private static string? PgConfigBinDirectory()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            return process.WaitForExit(TimeSpan.FromSeconds(10)) && process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (Win32Exception)
        {
            // No pg_config on the PATH.
            return null;
        }
    }
}
