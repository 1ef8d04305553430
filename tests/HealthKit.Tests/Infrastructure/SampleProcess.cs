using System.Collections.Concurrent;
using System.Diagnostics;

namespace HealthKit.Tests.Infrastructure;

/// <summary>
/// The sample application as a real process, from the test's output folder, with its SQLite database in a temporary
/// file. Its standard output and error are collected line by line; disposing it kills it if it is still running.
/// </summary>
internal sealed class SampleProcess : IDisposable
{
    private readonly SampleDatabase _database = new();
    private readonly ConcurrentQueue<string> _output = new();

    private SampleProcess(IReadOnlyDictionary<string, string> environment, string? urls, string? contentRoot, string assembly = "HealthKit.Sample.dll")
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly));
        if (urls is not null)
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(urls);
        }
        if (contentRoot is not null)
        {
            start.ArgumentList.Add("--contentRoot");
            start.ArgumentList.Add(contentRoot);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Sqlite"] = _database.ConnectionString;
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        Process = Process.Start(start)!;
        Process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? string.Empty);
        Process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? string.Empty);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public IReadOnlyCollection<string> Lines => _output;

    public string Output => string.Join('\n', _output);

    /// <summary>
    /// Starts the sample listening on <paramref name="urls"/> (by default any free loopback port; with null, no
    /// <c>--urls</c> is passed and the address comes from <paramref name="environment"/>), reading its appsettings files
    /// from <paramref name="contentRoot"/> when given.
    /// </summary>
    public static SampleProcess Start(IReadOnlyDictionary<string, string> environment, string? urls = "http://127.0.0.1:0", string? contentRoot = null)
    {
        MutationRun.SkipOutOfProcessTest();
        return new(environment, urls, contentRoot);
    }

    /// <summary>
    /// Starts the worker sample (HealthKit.Worker), which has no web server, with its settings from
    /// <paramref name="contentRoot"/> and its SQLite database in a temporary file, as the web sample's.
    /// </summary>
    public static SampleProcess StartWorker(IReadOnlyDictionary<string, string> environment, string contentRoot)
    {
        MutationRun.SkipOutOfProcessTest();
        return new(environment, urls: null, contentRoot, "HealthKit.Worker.dll");
    }

    /// <summary>
    /// The address the sample listens on, read from its "Now listening on:" line, which is how a sample started on port 0
    /// says which port it got. Fails if the process exits first or says nothing within <paramref name="within"/>.
    /// </summary>
    public async Task<Uri> WaitForAddressAsync(TimeSpan within)
    {
        const string Marker = "Now listening on: ";
        Uri? address = null;
        await Eventually.WaitUntilAsync(
            () =>
            {
                Assert.False(Process.HasExited && address is null && !Lines.Any(l => l.Contains(Marker, StringComparison.Ordinal)), "the sample exited before it listened\n" + Output);
                var line = Lines.FirstOrDefault(l => l.Contains(Marker, StringComparison.Ordinal));
                return line is not null && Uri.TryCreate(line[(line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length)..].Trim(), UriKind.Absolute, out address);
            },
            within);
        return address!;
    }

    /// <summary>Whether the process exited within <paramref name="within"/>; its output is complete when it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within > TimeSpan.Zero ? within : TimeSpan.Zero);
        try
        {
            // Also waits for the redirected output to be read to its end.
            await Process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit(5000);
        }

        Process.Dispose();
        _database.Dispose();
    }
}
