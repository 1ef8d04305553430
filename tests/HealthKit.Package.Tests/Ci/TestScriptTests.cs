using HealthKit.Package.Tests.Infrastructure;

namespace HealthKit.Package.Tests.Ci;

/// <summary>
/// <c>eng/test.sh</c>, the one test command, run for real with its lookup paths pointed at folders of this test's own and
/// a PATH that holds only the programs it needs: what it finds missing, how it installs it, and when it stops instead.
/// Where a test needs apt-get, sudo, id or dotnet to answer in a given way, a small script on that PATH stands in.
/// </summary>
public sealed class TestScriptTests : IDisposable
{
    private static readonly string[] Packages = ["postgresql", "chromium", "fonts-dejavu-core", "prometheus"];

    // The programs eng/test.sh and the stand-ins run, from the machine.
    private static readonly string[] Tools = ["bash", "dirname", "id", "mkdir", "touch", "chmod", "cat"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"healthkit-testsh-{Guid.NewGuid():N}");

    public TestScriptTests()
    {
        foreach (var name in new[] { "bin", "postgresql", "fonts", "chromium", "prometheus" })
        {
            Directory.CreateDirectory(Path.Combine(_folder, name));
        }

        foreach (var tool in Tools)
        {
            var found = new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists)
                ?? throw new InvalidOperationException($"{tool} is not on this machine");
            File.CreateSymbolicLink(Path.Combine(_folder, "bin", tool), found);
        }
    }

    private string Bin => Path.Combine(_folder, "bin");

    private string AptLog => Path.Combine(_folder, "apt-get.log");

    [Fact]
    public async Task TestScript_NothingInstalledAndNoAptGet_StopsNamingEveryMissingPackage()
    {
        var result = await RunAsync("--prerequisites-only");

        Assert.True(result.ExitCode == 3, result.Output);
        Assert.Contains("the tests need the Debian packages: postgresql chromium fonts-dejavu-core prometheus", result.Output, StringComparison.Ordinal);
        Assert.Contains("cannot install them (apt-get is not available)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestScript_NotRootAndNoSudo_StopsWithoutCallingAptGet()
    {
        Script("id", "echo 1000");
        Script("apt-get", $"echo \"$*\" >> '{AptLog}'");
        Present("postgresql", "chromium", "prometheus");

        var result = await RunAsync("--prerequisites-only");

        Assert.True(result.ExitCode == 3, result.Output);
        Assert.Contains("the tests need the Debian packages: fonts-dejavu-core", result.Output, StringComparison.Ordinal);
        Assert.Contains("cannot install them (this user is not root and has no password-less sudo); install them with: sudo apt-get install fonts-dejavu-core", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(AptLog), "apt-get was called");
    }

    [Fact]
    public async Task TestScript_RootWithAptGet_InstallsWhatIsMissingAndChecksAgain()
    {
        // Stands in for apt-get: records its arguments and, for install, puts each package's program where the script looks.
        Script("id", "echo 0");
        Script("apt-get", $"""
            echo "$*" >> '{AptLog}'
            if [ "$3" = install ]; then
              mkdir -p '{_folder}/postgresql/17/bin'
              for program in initdb pg_ctl; do printf '#!/bin/sh\n' > '{_folder}/postgresql/17/bin/'$program; chmod +x '{_folder}/postgresql/17/bin/'$program; done
              touch '{_folder}/fonts/DejaVuSans.ttf'
            fi
            """);
        Present("chromium", "prometheus");

        var result = await RunAsync("--prerequisites-only");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("installing the Debian packages: postgresql fonts-dejavu-core", result.Output, StringComparison.Ordinal);
        Assert.Equal(
            ["-o DPkg::Lock::Timeout=300 update -qq", "-o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends postgresql fonts-dejavu-core"],
            File.ReadAllLines(AptLog));
    }

    [Fact]
    public async Task TestScript_AptGetInstallsButAProgramIsStillMissing_StopsNamingIt()
    {
        Script("id", "echo 0");
        Script("apt-get", "exit 0");
        Present("postgresql", "chromium", "fonts");

        var result = await RunAsync("--prerequisites-only");

        Assert.True(result.ExitCode == 3, result.Output);
        Assert.Contains("apt-get ran, and these are still missing: prometheus", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestScript_EverythingPresent_InstallsNothingAndPassesItsArgumentsToDotnetTest()
    {
        Script("apt-get", $"echo \"$*\" >> '{AptLog}'");
        Script("dotnet", "echo \"dotnet $*\"");
        Present(Packages);

        var result = await RunAsync("--filter-class", "Some.Tests", "--results-directory", "some dir");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("prerequisites: all present", result.Output, StringComparison.Ordinal);
        Assert.Contains("dotnet test --max-parallel-test-modules 1 --filter-class Some.Tests --results-directory some dir", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(AptLog), "apt-get was called");
    }

    [Fact]
    public async Task TestScript_ParallelModulesGiven_KeepsTheCallersValue()
    {
        Script("dotnet", "echo \"dotnet $*\"");
        Present(Packages);

        var result = await RunAsync("--max-parallel-test-modules", "4", "--no-build");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("dotnet test --max-parallel-test-modules 4 --no-build", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--max-parallel-test-modules 1", result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Puts the programs or files of <paramref name="packages"/> (or "fonts") where the script looks.</summary>
    private void Present(params string[] packages)
    {
        foreach (var package in packages)
        {
            switch (package)
            {
                case "postgresql":
                    Directory.CreateDirectory(Path.Combine(_folder, "postgresql", "16", "bin"));
                    Executable(Path.Combine(_folder, "postgresql", "16", "bin", "initdb"), "exit 0");
                    Executable(Path.Combine(_folder, "postgresql", "16", "bin", "pg_ctl"), "exit 0");
                    break;
                case "chromium":
                    Executable(Path.Combine(_folder, "chromium", "chromium"), "exit 0");
                    break;
                case "prometheus":
                    Executable(Path.Combine(_folder, "prometheus", "promtool"), "exit 0");
                    Executable(Path.Combine(_folder, "prometheus", "prometheus"), "exit 0");
                    break;
                default:
                    File.WriteAllText(Path.Combine(_folder, "fonts", "DejaVuSans.ttf"), string.Empty);
                    break;
            }
        }
    }

    private void Script(string name, string body) => Executable(Path.Combine(Bin, name), body);

    private static void Executable(string path, string body)
    {
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private Task<CommandResult> RunAsync(params string[] arguments) =>
        Command.RunAsync(
            Path.Combine(Bin, "bash"),
            [Path.Combine(Repository.Root, "eng", "test.sh"), .. arguments],
            _folder,
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string>
            {
                ["PATH"] = Bin,
                ["HEALTHKIT_TEST_POSTGRESQL_ROOT"] = Path.Combine(_folder, "postgresql"),
                ["HEALTHKIT_TEST_CHROMIUM"] = Path.Combine(_folder, "chromium", "chromium"),
                ["HEALTHKIT_TEST_FONTS"] = Path.Combine(_folder, "fonts"),
                ["HEALTHKIT_TEST_PROMETHEUS_BIN"] = Path.Combine(_folder, "prometheus"),
            });
}
