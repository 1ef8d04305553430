using System.Collections.Concurrent;
using System.Diagnostics;

namespace HealthKit.Package.Tests.Infrastructure;

/// <summary>Runs a program to its end within a time limit and keeps what it printed.</summary>
internal static class Command
{
    /// <summary>
    /// Runs <paramref name="fileName"/> and returns its exit code and output; kills it (and its children) when it outlives
    /// <paramref name="limit"/>.
    /// </summary>
    public static async Task<CommandResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        TimeSpan limit,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = CreateStartInfo(fileName, arguments, workingDirectory, environment);
        var output = new ConcurrentQueue<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException(
                $"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within {limit}:\n{string.Join('\n', output)}");
        }

        return new CommandResult(process.ExitCode, string.Join('\n', output));
    }

    /// <summary>
    /// A start for a child process that does not inherit the test host's MSBuild settings, which would otherwise point a
    /// nested <c>dotnet</c> at the outer build's state.
    /// </summary>
    public static ProcessStartInfo CreateStartInfo(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>The <c>dotnet</c> that runs these tests, so nested commands use the same SDK.</summary>
    public static string Dotnet { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
}

/// <summary>How a program ended and what it printed, standard output and error interleaved.</summary>
internal sealed record CommandResult(int ExitCode, string Output);
