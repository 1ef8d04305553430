using HealthKit.Fleet.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace HealthKit.Fleet.Tests;

/// <summary>
/// The shipped rules (<c>deploy/prometheus/healthkit.rules.yml</c>) as they are in the repository: valid for Prometheus,
/// passing their promtool unit tests, every rule covered by those tests, and every alert carrying what an operator
/// needs to act on it.
/// </summary>
public sealed class PrometheusRulesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(1);

    internal static string RulesPath => Path.Combine(Repository.Root, "deploy", "prometheus", "healthkit.rules.yml");

    private static string TestsFolder => Path.Combine(Repository.Root, "deploy", "prometheus", "tests");

    [Fact]
    public async Task ShippedRules_PassPromtoolCheck()
    {
        var result = await Command.RunAsync(PrometheusBinaries.Promtool, ["check", "rules", RulesPath], Repository.Root, Limit);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShippedRules_PassTheirPromtoolUnitTests()
    {
        var files = Directory.GetFiles(TestsFolder, "*.yml").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);

        var result = await Command.RunAsync(PrometheusBinaries.Promtool, ["test", "rules", .. files], Repository.Root, Limit);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("FAILED", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryAlert_HasASeveritySummaryDescriptionAndRunbook()
    {
        var alerts = Rules().Where(rule => rule.Kind == "alert").ToList();
        Assert.NotEmpty(alerts);
        foreach (var alert in alerts)
        {
            Assert.True(alert.Labels.ContainsKey("severity"), $"{alert.Name} has no severity label");
            foreach (var annotation in new[] { "summary", "description", "runbook" })
            {
                Assert.True(alert.Annotations.TryGetValue(annotation, out var text) && text.Length > 20, $"{alert.Name} has no {annotation} annotation");
            }
        }
    }

    [Fact]
    public void EveryRule_IsExercisedByAPromtoolUnitTest()
    {
        var tests = Directory.GetFiles(TestsFolder, "*.yml");
        var testedAlerts = Scalars(tests, "alertname");
        var testedExpressions = string.Join('\n', Scalars(tests, "expr"));
        var rules = Rules();

        foreach (var alert in rules.Where(rule => rule.Kind == "alert"))
        {
            Assert.True(testedAlerts.Contains(alert.Name), $"no promtool test evaluates the alert {alert.Name}");
        }

        // A recording rule is exercised when a test queries it, or when it feeds an alert or a recording rule that is.
        var used = rules.Where(rule => rule.Kind == "alert").Select(rule => rule.Expression).Append(testedExpressions).ToList();
        foreach (var record in rules.Where(rule => rule.Kind == "record"))
        {
            Assert.True(used.Any(expression => expression.Contains(record.Name, StringComparison.Ordinal)) || rules.Any(other => other.Kind == "record" && other.Name != record.Name && other.Expression.Contains(record.Name, StringComparison.Ordinal) && testedExpressions.Contains(other.Name, StringComparison.Ordinal)), $"no promtool test exercises the recording rule {record.Name}");
        }
    }

    internal sealed record Rule(string Kind, string Name, string Expression, string? For, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);

    internal static List<Rule> Rules()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(RulesPath))
        {
            yaml.Load(reader);
        }

        var rules = new List<Rule>();
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
        foreach (YamlMappingNode group in groups)
        {
            foreach (YamlMappingNode rule in (YamlSequenceNode)group["rules"])
            {
                var kind = rule.Children.ContainsKey("alert") ? "alert" : "record";
                rules.Add(new Rule(
                    kind,
                    Text(rule, kind)!,
                    Text(rule, "expr")!,
                    Text(rule, "for"),
                    Map(rule, "labels"),
                    Map(rule, "annotations")));
            }
        }

        return rules;
    }

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) ? ((YamlScalarNode)value).Value : null;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value)
            ? ((YamlMappingNode)value).Children.ToDictionary(pair => ((YamlScalarNode)pair.Key).Value!, pair => ((YamlScalarNode)pair.Value).Value ?? string.Empty, StringComparer.Ordinal)
            : [];

    private static HashSet<string> Scalars(IEnumerable<string> files, string key)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var yaml = new YamlStream();
            using var reader = new StreamReader(file);
            yaml.Load(reader);
            Walk(yaml.Documents[0].RootNode);
        }

        return found;

        void Walk(YamlNode node)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (name, value) in mapping.Children)
                    {
                        if (name is YamlScalarNode { Value: var text } && text == key && value is YamlScalarNode { Value: { } scalar })
                        {
                            found.Add(scalar);
                        }

                        Walk(value);
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var item in sequence)
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }
}
