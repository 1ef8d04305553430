using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster: initdb into a temporary folder, a server on 127.0.0.1 and a free port, password
/// authentication by SCRAM only, and everything deleted on dispose. As root, every server command runs as the
/// <c>postgres</c> OS user, because PostgreSQL refuses to run as root.
/// </summary>
internal sealed class PostgresCluster : IAsyncDisposable
{
    public const string Superuser = "postgres";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);

    private readonly string _binDirectory;
    private readonly string _root;
    private int _frozen;

    private PostgresCluster(string binDirectory, string root, string superuserPassword)
    {
        _binDirectory = binDirectory;
        _root = root;
        SuperuserPassword = superuserPassword;
    }

    /// <summary>Every password any cluster or test uses, so that a test can prove none of them leaked.</summary>
    public static ConcurrentBag<string> Secrets { get; } = [];

    public int Port { get; private set; }

    public string SuperuserPassword { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>A superuser connection that bypasses the pool, for setting up and inspecting the server.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Password = SuperuserPassword,
        Database = "postgres",
        Pooling = false,
        Timeout = 10,
        ApplicationName = "healthkit-tests-admin",
    }.ConnectionString;

    /// <summary>A password that is easy to search for in responses and logs, registered in <see cref="Secrets"/>.</summary>
    public static string NewSecret(string purpose)
    {
        var secret = $"hk_{purpose}_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        Secrets.Add(secret);
        return secret;
    }

    /// <summary>Creates and starts a cluster; with <paramref name="standby"/>, it starts in recovery, as a replica does.</summary>
    public static async Task<PostgresCluster> StartNewAsync(bool standby = false)
    {
        var binDirectory = PostgresBinaries.Locate();
        var root = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"healthkit-pg-{Guid.NewGuid():N}")).FullName;
        var cluster = new PostgresCluster(binDirectory, root, NewSecret("superuser"));
        try
        {
            await cluster.InitializeAsync();

            // PostgreSQL must be told its port; should another process take it between choosing and binding, the start
            // fails and is tried on another (a later "port" line in the configuration overrides an earlier one).
            await LoopbackPorts.StartOnUnusedPortAsync(async port =>
            {
                cluster.Port = port;
                await File.AppendAllTextAsync(Path.Combine(cluster.DataDirectory, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"port = {port}\n"));
                await cluster.StartAsync();
            });
            if (standby)
            {
                // A fresh cluster with standby.signal and nothing to replay from stays in recovery and serves read-only
                // connections, which is what a replica looks like to a client.
                await cluster.StopAsync();
                await File.WriteAllTextAsync(Path.Combine(cluster.DataDirectory, "standby.signal"), string.Empty);
                await cluster.StartAsync();
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public Task StartAsync() => RunAsync("pg_ctl", "-D", DataDirectory, "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60", "start");

    /// <summary>Stops the server the way an administrator does; sessions get SQLSTATE 57P01.</summary>
    public Task StopAsync() => RunAsync("pg_ctl", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>
    /// Sends SIGSTOP to the postmaster and every backend: the server keeps its sockets, the kernel keeps accepting TCP
    /// connections, and nothing answers. Disposing the result sends SIGCONT.
    /// </summary>
    public IDisposable Freeze()
    {
        var postmaster = PostmasterPid();
        int[] pids = [postmaster, .. Children(postmaster)];
        Interlocked.Exchange(ref _frozen, 1);
        foreach (var pid in pids)
        {
            Signals.Send(pid, Signals.Sigstop);
        }

        return new Thaw(this);
    }

    public async Task<T> QueryScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunAsync("pg_ctl", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop");
            }
            catch (InvalidOperationException)
            {
                // Already stopped; the folder goes either way.
            }
        }

        Directory.Delete(_root, recursive: true);
    }

    private async Task InitializeAsync()
    {
        var passwordFile = Path.Combine(_root, "superuser.pw");
        await File.WriteAllTextAsync(passwordFile, SuperuserPassword + "\n");
        if (Environment.IsPrivilegedProcess)
        {
            await RunToolAsync("chown", "-R", "postgres:postgres", _root);
        }

        await RunAsync(
            "initdb", "-D", DataDirectory, "-U", Superuser, "--pwfile", passwordFile, "--auth=scram-sha-256",
            "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions");
        File.Delete(passwordFile);

        // TCP on loopback only, SCRAM only, no Unix socket (its default folder may not be writable here).
        await File.WriteAllTextAsync(Path.Combine(DataDirectory, "pg_hba.conf"), "host all all 127.0.0.1/32 scram-sha-256\n");
        await File.AppendAllTextAsync(Path.Combine(DataDirectory, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"""

            listen_addresses = '127.0.0.1'
            unix_socket_directories = ''
            password_encryption = 'scram-sha-256'
            max_connections = 60
            shared_buffers = 16MB
            fsync = off
            synchronous_commit = off
            full_page_writes = off

            """));
    }

    private Task RunAsync(string tool, params string[] arguments) =>
        Environment.IsPrivilegedProcess
            ? RunToolAsync("runuser", ["-u", "postgres", "--", Path.Combine(_binDirectory, tool), .. arguments])
            : RunToolAsync(Path.Combine(_binDirectory, tool), arguments);

    private async Task RunToolAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} did not finish within {CommandTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            // The server's own log says why it did not start, when that is what failed.
            var log = Path.Combine(_root, "server.log");
            var serverLog = File.Exists(log) ? await File.ReadAllTextAsync(log) : string.Empty;
            throw new InvalidOperationException(
                $"{Path.GetFileName(fileName)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await Drain(output)} {await Drain(error)} {serverLog}");
        }
    }

    /// <summary>What a process wrote, without waiting for a server it started that still holds the pipe.</summary>
    private static async Task<string> Drain(Task<string> read) =>
        await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(2))) == read ? read.Result : string.Empty;

    private int PostmasterPid()
    {
        var firstLine = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).First();
        return int.Parse(firstLine, CultureInfo.InvariantCulture);
    }

    private static List<int> Children(int parent)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    children.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return children;
    }

    private void Resume()
    {
        if (Interlocked.Exchange(ref _frozen, 0) == 0)
        {
            return;
        }

        var postmaster = PostmasterPid();
        foreach (var pid in (int[])[postmaster, .. Children(postmaster)])
        {
            Signals.Send(pid, Signals.Sigcont);
        }
    }

    private sealed class Thaw(PostgresCluster cluster) : IDisposable
    {
        public void Dispose() => cluster.Resume();
    }
}
