using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using HealthKit.Package.Tests.Infrastructure;

namespace HealthKit.Package.Tests;

/// <summary>
/// SourceLink as a debugger meets it: the custom debug information in each PDB of the symbol package, which maps the
/// build's source paths to raw URLs of the repository at the packed commit. The repository URL comes from the clone's
/// git remote; a clone without a usable remote still packs, without that map.
/// </summary>
public sealed class PackageSourceLinkTests(PackedPackages packages)
{
    // The custom debug information kind that holds SourceLink's JSON (Portable PDB specification).
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Theory]
    [InlineData("HealthKit")]
    [InlineData("HealthKit.Grpc")]
    [InlineData("HealthKit.Npgsql")]
    public void Pack_CloneWithAGitHubRemote_EveryPdbMapsItsSourcesToTheRemoteAtTheCommit(string id)
    {
        using var symbols = ZipFile.OpenRead(packages.Package(id, "snupkg"));
        var pdbs = symbols.Entries.Where(e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(pdbs);
        foreach (var pdb in pdbs)
        {
            var documents = SourceLinkDocuments(pdb) ?? throw new Xunit.Sdk.XunitException($"{pdb.FullName} in {id}'s symbol package has no SourceLink map");
            Assert.Equal($"https://raw.githubusercontent.com/example/HealthKit/{packages.Commit}/*", documents["/_/*"]);
        }
    }

    [Fact]
    public async Task Pack_CloneWithoutAUsableRemoteAndAnExplicitVersion_PacksThatVersionWithoutSourceLink()
    {
        // A fresh clone's origin is the folder it was cloned from, which no debugger can fetch sources from: the state of
        // this repository's own clones and of CI's.
        var folder = Path.Combine(Path.GetTempPath(), $"healthkit-noremote-{Guid.NewGuid():N}");
        try
        {
            var clone = Path.Combine(folder, "HealthKit");
            Directory.CreateDirectory(folder);
            var commit = await Repository.CloneAsync(clone);
            var feed = Path.Combine(folder, "feed");

            await PackedPackages.PackAsync(clone, Path.Combine("src", "HealthKit"), feed, "-p:Version=1.0.0");

            // The release build's version is the one given, not a local prerelease.
            using var package = ZipFile.OpenRead(Path.Combine(feed, "HealthKit.1.0.0.nupkg"));
            using var reader = new StreamReader(package.GetEntry("HealthKit.nuspec")!.Open());
            var repository = XDocument.Parse(await reader.ReadToEndAsync(TestContext.Current.CancellationToken)).Descendants().Single(e => e.Name.LocalName == "repository");
            Assert.Equal(commit, repository.Attribute("commit")?.Value);
            Assert.Null(repository.Attribute("url"));

            using var symbols = ZipFile.OpenRead(Path.Combine(feed, "HealthKit.1.0.0.snupkg"));
            Assert.Null(SourceLinkDocuments(symbols.GetEntry("lib/net10.0/HealthKit.pdb")!));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The "documents" map of the PDB's SourceLink JSON, or null when it has none (or an empty one).</summary>
    private static Dictionary<string, string>? SourceLinkDocuments(ZipArchiveEntry pdb)
    {
        using var buffer = new MemoryStream();
        using (var stream = pdb.Open())
        {
            stream.CopyTo(buffer);
        }

        buffer.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(buffer);
        var reader = provider.GetMetadataReader();
        foreach (var handle in reader.CustomDebugInformation)
        {
            var information = reader.GetCustomDebugInformation(handle);
            if (reader.GetGuid(information.Kind) != SourceLinkKind)
            {
                continue;
            }

            var json = Encoding.UTF8.GetString(reader.GetBlobBytes(information.Value));
            using var document = JsonDocument.Parse(json);
            var documents = document.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            return documents.Count == 0 ? null : documents;
        }

        return null;
    }
}
