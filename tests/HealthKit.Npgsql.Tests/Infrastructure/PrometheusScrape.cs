using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>The samples of one scrape in the Prometheus text or OpenMetrics format, read as Prometheus reads them.</summary>
internal sealed partial class PrometheusScrape
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = [];

    private PrometheusScrape(string text) => Text = text;

    /// <summary>The scrape as it was received, for failure messages.</summary>
    public string Text { get; }

    /// <summary>Parses <paramref name="text"/>; a line that is neither a comment nor a sample fails the test.</summary>
    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape(text);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["key"].Value, m => Regex.Unescape(m.Groups["value"].Value));
            scrape._samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }

        return scrape;
    }

    public double? Value((string Name, (string Key, string Value)[] Labels) series) => Value(series.Name, series.Labels);

    /// <summary>The value of the one sample named <paramref name="name"/> with these labels, or null if there is none.</summary>
    public double? Value(string name, params (string Key, string Value)[] labels)
    {
        var matches = _samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
        Assert.True(matches.Count <= 1, $"{matches.Count} samples of {name} match");
        return matches.Count == 0 ? null : matches[0].Value;
    }

    /// <summary>The status whose series of <paramref name="metric"/> is 1 for this check or endpoint, if it has one.</summary>
    public HealthStatus? Current(string metric, string key, string name)
    {
        var current = _samples.Where(s => s.Name == metric && s.Labels.GetValueOrDefault(key) == name && s.Value == 1).ToList();
        Assert.True(current.Count <= 1, $"{current.Count} statuses at 1 for {name}:\n{Text}");
        return current.Count == 0 ? null : Enum.Parse<HealthStatus>(current[0].Labels["healthkit_status"], ignoreCase: true);
    }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels satisfy <paramref name="labels"/>.</summary>
    public double Sum(string name, Func<IReadOnlyDictionary<string, string>, bool> labels) =>
        _samples.Where(s => s.Name == name && labels(s.Labels)).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \S+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
