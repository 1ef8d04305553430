using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using HealthKit.Grpc.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HealthKit.Grpc.Tests;

/// <summary>
/// Ties docs/grpc.md's Kubernetes probes to its Kestrel setup and to the service: the port the probes name is the
/// HTTP/2 port of the C# block, each service they ask for is answered, and their timeout leaves room for the deadline.
/// </summary>
public sealed partial class GrpcDocsTests
{
    private static readonly string Page = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "grpc.md"));

    public static TheoryData<string, string> Probes => new()
    {
        { "livenessProbe", "liveness" },
        { "readinessProbe", "readiness" },
        { "startupProbe", "startup" },
    };

    [Theory]
    [MemberData(nameof(Probes))]
    public async Task DocsProbe_AsksTheHttp2PortForAServiceThatAnswers(string probe, string service)
    {
        var grpc = Map(Map(ProbeYaml(), probe), "grpc");
        var port = Text(grpc, "port");

        Assert.Equal(service, Text(grpc, "service"));
        Assert.Contains($"kestrel.ListenAnyIP({port}, listen => listen.Protocols = HttpProtocols.Http2);", Page, StringComparison.Ordinal);
        Assert.Contains($"app.MapHealthKitGrpc().RequireHost(\"*:{port}\");", Page, StringComparison.Ordinal);
        Assert.True(
            TimeSpan.FromSeconds(int.Parse(Text(Map(ProbeYaml(), probe), "timeoutSeconds"), CultureInfo.InvariantCulture)) > new HealthKitOptions().Endpoints.Ready.Deadline,
            "the probe's timeout must exceed the endpoint's deadline, so a slow check is reported rather than timed out");

        await using var server = await GrpcTestServer.StartAsync(_ => { });
        var response = await server.Client.CheckAsync(new HealthCheckRequest { Service = service }, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(ServingStatus.Serving, response.Status);
    }

    private static YamlMappingNode ProbeYaml()
    {
        var block = YamlBlock().Matches(Page).Select(match => match.Groups[1].Value).Single(text => text.Contains("grpc:", StringComparison.Ordinal));
        var stream = new YamlStream();
        stream.Load(new StringReader(block));
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string Text(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    [GeneratedRegex(@"```yaml\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
