using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using HealthKit.Package.Tests.Infrastructure;

namespace HealthKit.Package.Tests;

/// <summary>
/// The packages as a user meets them: a new app from <c>dotnet new web</c>, every package added from a local feed with
/// <c>dotnet add package</c>, built, run as a real process on a loopback port, and asked for its readiness.
/// </summary>
public sealed partial class PackageInstallTests(PackedPackages packages)
{
    private static readonly TimeSpan CommandLimit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    // A closed loopback port: the PostgreSQL check fails fast, which proves the Npgsql package runs, and its password
    // must not reach the response.
    private const string ProgramSource = """
        using HealthKit;

        var builder = WebApplication.CreateBuilder(args);

        builder.Services.AddHealthKit()
            .AddPostgres("postgres", o =>
            {
                o.ConnectionString = "Host=127.0.0.1;Port=1;Username=app;Password=package-test-secret;Timeout=5";
                o.Tags.Clear();
            })
            .AddHealthKitGrpc();

        var app = builder.Build();
        app.MapHealthKit();
        app.MapHealthKitGrpc();
        app.Run();
        """;

    [Fact]
    public async Task NewWebApp_WithEveryPackageFromALocalFeed_AnswersReady()
    {
        var app = Path.Combine(packages.Folder, "app");
        var packagesFolder = Path.Combine(packages.Folder, "packages");
        Directory.CreateDirectory(app);
        var version = packages.Version;

        // docs/install.md's steps in the app's folder, after the fixture's `dotnet pack HealthKit.sln -c Release -o FEED`:
        // a nuget.config of the app's own with the feed as a source, then `dotnet add package --prerelease`.
        await Dotnet(app, "new", "web", "--name", "PackagedApp", "--output", ".", "--framework", "net10.0", "--no-restore");
        await Dotnet(app, "new", "nugetconfig");
        await Dotnet(app, "nuget", "add", "source", packages.Feed, "--name", "healthkit-local", "--configfile", "nuget.config");

        // This test's own addition: packages restore into a folder of its own, so a package cached by an earlier run
        // cannot stand in for this build, and the machine's global folder is a read-only fallback for the dependencies.
        var globalPackages = (await Dotnet(app, "nuget", "locals", "global-packages", "--list")).Output.Trim();
        var fallback = globalPackages[(globalPackages.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        var config = XDocument.Load(Path.Combine(app, "nuget.config"));
        config.Root!.Add(
            new XElement("config", new XElement("add", new XAttribute("key", "globalPackagesFolder"), new XAttribute("value", packagesFolder))),
            new XElement("fallbackPackageFolders", new XElement("add", new XAttribute("key", "machine"), new XAttribute("value", fallback))));
        config.Save(Path.Combine(app, "nuget.config"));

        await Dotnet(app, "add", "package", "HealthKit", "--prerelease");
        await Dotnet(app, "add", "package", "HealthKit.Npgsql", "--prerelease");
        await Dotnet(app, "add", "package", "HealthKit.Grpc", "--prerelease");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ProgramSource, TestContext.Current.CancellationToken);
        await Dotnet(app, "build", "--configuration", "Release", "--output", "out", "--disable-build-servers", "-v", "q");

        // NuGet records the hash of the package it installed: it must be the one packed above, not a namesake from
        // another source.
        foreach (var id in PackedPackages.Ids)
        {
            var packed = Convert.ToBase64String(SHA512.HashData(
                await File.ReadAllBytesAsync(packages.Package(id), TestContext.Current.CancellationToken)));
            var installed = Path.Combine(
                packagesFolder, id.ToLowerInvariant(), version, $"{id.ToLowerInvariant()}.{version}.nupkg.sha512");
            Assert.True(File.Exists(installed), $"{id} {version} was not installed from the local feed");
            Assert.True(
                packed == await File.ReadAllTextAsync(installed, TestContext.Current.CancellationToken),
                $"the installed {id} {version} is not the package packed by this test");
        }

        var csproj = await File.ReadAllTextAsync(Path.Combine(app, "PackagedApp.csproj"), TestContext.Current.CancellationToken);
        Assert.Contains($"<PackageReference Include=\"HealthKit\" Version=\"{version}\" />", csproj, StringComparison.Ordinal);
        Assert.DoesNotContain("ProjectReference", csproj, StringComparison.Ordinal);

        using var server = new AppProcess(Path.Combine(app, "out", "PackagedApp.dll"), app);
        var baseAddress = await server.WaitForAddressAsync(StartLimit);
        using var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("application/json", ready.Content.Headers.ContentType?.MediaType);

        using var postgres = await client.GetAsync(new Uri("/health/checks/postgres", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await postgres.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, postgres.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("Unhealthy", json.RootElement.GetProperty("status").GetString());
        Assert.DoesNotContain("package-test-secret", body, StringComparison.Ordinal);
    }

    private static async Task<CommandResult> Dotnet(string workingDirectory, params string[] arguments)
    {
        var result = await Command.RunAsync(Command.Dotnet, arguments, workingDirectory, CommandLimit);
        Assert.True(result.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} exited with {result.ExitCode}:\n{result.Output}");
        return result;
    }

    /// <summary>The built app as a real process on a port that Kestrel chose; disposing it kills it.</summary>
    private sealed partial class AppProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();
        private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public AppProcess(string dll, string workingDirectory)
        {
            var start = Command.CreateStartInfo(
                Command.Dotnet,
                [dll],
                workingDirectory,
                new Dictionary<string, string>
                {
                    // Port 0 lets Kestrel bind a free port itself, which it then logs; nothing can take it in between.
                    ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                    ["ASPNETCORE_ENVIRONMENT"] = "Production",
                    ["Logging__Console__FormatterName"] = "simple",
                });
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Receive(e.Data);
            _process.ErrorDataReceived += (_, e) => Receive(e.Data);
            _process.Exited += (_, _) => _address.TrySetException(new InvalidOperationException($"the app exited:\n{Output}"));
            _process.EnableRaisingEvents = true;
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        private string Output => string.Join('\n', _output);

        public async Task<Uri> WaitForAddressAsync(TimeSpan limit)
        {
            try
            {
                return await _address.Task.WaitAsync(limit, TestContext.Current.CancellationToken);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"the app did not report its address within {limit}:\n{Output}");
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }

            _process.Dispose();
        }

        private void Receive(string? line)
        {
            _output.Enqueue(line ?? string.Empty);
            if (line is not null && ListeningOn().Match(line) is { Success: true } match)
            {
                _address.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
        private static partial Regex ListeningOn();
    }
}
