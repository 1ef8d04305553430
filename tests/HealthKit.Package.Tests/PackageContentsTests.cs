using System.IO.Compression;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace HealthKit.Package.Tests;

/// <summary>What <c>dotnet pack</c> puts in each package: metadata, README, licence, docs and symbols.</summary>
public sealed partial class PackageContentsTests(PackedPackages packages)
{
    [Theory]
    [InlineData("HealthKit")]
    [InlineData("HealthKit.Grpc")]
    [InlineData("HealthKit.Npgsql")]
    public void Pack_Package_HasMetadataReadmeLicenceAndDocs(string id)
    {
        using var package = ZipFile.OpenRead(packages.Package(id));
        var metadata = Nuspec(package, id);

        Assert.Equal(id, Value(metadata, "id"));
        Assert.Equal(packages.Version, Value(metadata, "version"));
        var license = Element(metadata, "license");
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal("README.md", Value(metadata, "readme"));
        Assert.Contains("healthchecks", Value(metadata, "tags").Split(' '));
        Assert.True(Value(metadata, "description").Length > 40, "the description is missing or a stub");
        var repository = Element(metadata, "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal(packages.Commit, repository.Attribute("commit")?.Value);
        Assert.Equal(PackedPackages.RemoteUrl, repository.Attribute("url")?.Value);
        Assert.Equal("icon.png", Value(metadata, "icon"));
        Assert.StartsWith("1.0.0: ", Value(metadata, "releaseNotes"), StringComparison.Ordinal);

        var entries = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains($"lib/net10.0/{id}.dll", entries);
        Assert.Contains($"lib/net10.0/{id}.xml", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("icon.png", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith(".pdb", StringComparison.Ordinal));

        // The package page shows this README, where a link relative to the repository would lead nowhere.
        var readme = Read(package, "README.md");
        Assert.StartsWith($"# {id}\n", readme, StringComparison.Ordinal);
        Assert.Contains($"dotnet add package {id}", readme, StringComparison.Ordinal);
        Assert.Empty(RelativeLink().Matches(readme));

        Assert.Contains("Copyright (c) HealthKit contributors", Read(package, "LICENSE"), StringComparison.Ordinal);
        Assert.Contains("<member name=", Read(package, $"lib/net10.0/{id}.xml"), StringComparison.Ordinal);

        // A real PNG, small enough for a package page.
        using var icon = new MemoryStream();
        using (var stream = package.GetEntry("icon.png")!.Open())
        {
            stream.CopyTo(icon);
        }

        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, icon.ToArray()[..8]);
        Assert.InRange(icon.Length, 100, 1024 * 1024);
    }

    [Fact]
    public void Pack_Solution_BuildsOnlyThePackages()
    {
        Assert.True(Directory.Exists(Path.Combine(packages.Clone, "src", "HealthKit", "bin")), "the pack built nothing");
        Assert.False(Directory.Exists(Path.Combine(packages.Clone, "tests", "HealthKit.Tests", "bin")), "dotnet pack HealthKit.sln built the tests");
        Assert.False(Directory.Exists(Path.Combine(packages.Clone, "samples", "HealthKit.Sample", "bin")), "dotnet pack HealthKit.sln built the sample");
        Assert.Equal(PackedPackages.Ids, Directory.GetFiles(packages.Feed, "*.nupkg").Select(p => Path.GetFileName(p)[..^$".{packages.Version}.nupkg".Length]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Pack_FromAClone_GetsALocalPrereleaseVersionNamingTheCommit()
    {
        // So a package packed from a clone can never shadow a published 1.0.0 in the NuGet cache.
        Assert.Equal($"1.0.0-local.{packages.Commit[..7]}", packages.Version);
    }

    [Theory]
    [InlineData("HealthKit")]
    [InlineData("HealthKit.Grpc")]
    [InlineData("HealthKit.Npgsql")]
    public void Pack_OnTheBuildServer_BuildsDeterministicallyWithASymbolPackage(string id)
    {
        using var symbols = ZipFile.OpenRead(packages.Package(id, "snupkg"));
        Assert.Contains($"lib/net10.0/{id}.pdb", symbols.Entries.Select(e => e.FullName));

        // ContinuousIntegrationBuild maps the source root to /_/, so the recorded PDB path does not depend on where the
        // repository was cloned.
        using var package = ZipFile.OpenRead(packages.Package(id));
        using var dll = new MemoryStream();
        using (var stream = package.GetEntry($"lib/net10.0/{id}.dll")!.Open())
        {
            stream.CopyTo(dll);
        }

        dll.Position = 0;
        using var pe = new PEReader(dll);
        var codeView = pe.ReadDebugDirectory().Single(d => d.Type == DebugDirectoryEntryType.CodeView);
        Assert.StartsWith("/_/", pe.ReadCodeViewDebugDirectoryData(codeView).Path, StringComparison.Ordinal);
        Assert.Contains(pe.ReadDebugDirectory(), d => d.Type == DebugDirectoryEntryType.Reproducible);
    }

    [Fact]
    public void Pack_Dependencies_CoreHasNoNpgsqlAndNpgsqlPackageDependsOnTheSameCoreVersion()
    {
        using var core = ZipFile.OpenRead(packages.Package("HealthKit"));
        using var npgsql = ZipFile.OpenRead(packages.Package("HealthKit.Npgsql"));

        Assert.Empty(Dependencies(Nuspec(core, "HealthKit")));
        var dependencies = Dependencies(Nuspec(npgsql, "HealthKit.Npgsql"));
        Assert.Equal(packages.Version, dependencies["HealthKit"]);
        Assert.True(dependencies.ContainsKey("Npgsql"), "HealthKit.Npgsql does not depend on Npgsql");
        Assert.Equal(2, dependencies.Count);
    }

    [Fact]
    public void Pack_Dependencies_CoreHasNoGrpcAndGrpcPackageDependsOnTheSameCoreVersion()
    {
        using var grpc = ZipFile.OpenRead(packages.Package("HealthKit.Grpc"));

        var dependencies = Dependencies(Nuspec(grpc, "HealthKit.Grpc"));
        Assert.Equal(packages.Version, dependencies["HealthKit"]);
        Assert.Equal("2.85.0", dependencies["Grpc.AspNetCore"]);
        Assert.Equal("2.85.0", dependencies["Grpc.HealthCheck"]);
        Assert.Equal(3, dependencies.Count);
    }

    private static XElement Nuspec(ZipArchive package, string id) =>
        XDocument.Parse(Read(package, $"{id}.nuspec")).Root!.Elements().Single(e => e.Name.LocalName == "metadata");

    private static XElement Element(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)
        ?? throw new Xunit.Sdk.XunitException($"the nuspec has no <{name}>");

    private static string Value(XElement metadata, string name) => Element(metadata, name).Value;

    private static Dictionary<string, string> Dependencies(XElement metadata) =>
        metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .ToDictionary(e => e.Attribute("id")!.Value, e => e.Attribute("version")!.Value);

    private static string Read(ZipArchive package, string entry)
    {
        using var reader = new StreamReader(package.GetEntry(entry)?.Open() ?? throw new Xunit.Sdk.XunitException($"no {entry} in the package"));
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"\]\((?!https://)[^)]*\)")]
    private static partial Regex RelativeLink();
}
