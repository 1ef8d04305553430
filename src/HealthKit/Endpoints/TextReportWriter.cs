using System.Globalization;
using System.Text;
using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Endpoints;

/// <summary>
/// Writes the human-readable report, in the manner of kube-apiserver's <c>/readyz?verbose</c>:
/// <c>[+]postgres ok (3 ms)</c>, <c>[-]disk failed: reason</c>, then the overall line.
/// </summary>
internal static class TextReportWriter
{
    public const string ContentType = "text/plain; charset=utf-8";

    public static string Render(string endpoint, Evaluation evaluation, HealthDetailLevel level, bool verbose, ReportNotes? notes)
    {
        if (!verbose)
        {
            return Log(evaluation.Status) + "\n";
        }

        var text = new StringBuilder();
        if (level >= HealthDetailLevel.Components)
        {
            for (var i = 0; i < evaluation.Slots.Length; i++)
            {
                var outcome = evaluation.Outcomes[i];
                var (mark, word) = outcome.Status switch
                {
                    HealthStatus.Healthy => ("[+]", "ok"),
                    HealthStatus.Degraded => ("[~]", "degraded"),
                    _ => ("[-]", "failed"),
                };
                text.Append(mark).Append(evaluation.Slots[i].Name).Append(' ').Append(word);
                if (level == HealthDetailLevel.Full)
                {
                    if (outcome.Status != HealthStatus.Healthy)
                    {
                        text.Append(": ").Append(OneLine(outcome.Description ?? "no description"));
                    }

                    text.Append(CultureInfo.InvariantCulture, $" ({outcome.Duration.TotalMilliseconds:0} ms)");
                }
                else if (outcome.Status != HealthStatus.Healthy)
                {
                    text.Append(": reason withheld");
                }

                text.Append('\n');
            }
        }

        if (notes is not null)
        {
            foreach (var name in notes.Excluded)
            {
                text.Append("[x]").Append(name).Append(" excluded\n");
            }

            foreach (var warning in notes.Warnings)
            {
                text.Append("warning: ").Append(OneLine(warning)).Append('\n');
            }
        }

        text.Append(endpoint.ToLowerInvariant()).Append(" check ").Append(evaluation.Status switch
        {
            HealthStatus.Healthy => "passed",
            HealthStatus.Degraded => "passed, degraded",
            _ => "failed",
        }).Append('\n');
        return text.ToString();
    }

    private static string Log(HealthStatus status) => Internal.Log.StatusNames[(int)status];

    private static string OneLine(string value) => value.ReplaceLineEndings(" ");
}
