using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using HealthKit.Endpoints;
using HealthKit.Engine;
using HealthKit.HealthJson;
using HealthKit.Listeners;
using HealthKit.Publishing;
using HealthKit.Redaction;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Redaction;

/// <summary>
/// The redaction boundary against generated secrets: every format of <see cref="SecretShapes"/> in every carrier a check
/// can use, read through every writer at every detail level, the publishers' report, the webhook's payload, the log
/// records and the span's exception event. Neither a secret nor any 8-character piece of it may appear in any of them.
/// </summary>
/// <remarks>
/// The in-process test drives the engine's own run and the writers directly, 10,000 cases by default
/// (<c>HEALTHKIT_PROPERTY_ITER</c>); a failure prints CsCheck's seed, and <c>HEALTHKIT_PROPERTY_SEED</c> replays it. The
/// server test sends a smaller number of cases through real HTTP requests to prove that the endpoints use the same path.
/// </remarks>
public sealed class RedactionPropertyTests
{
    private const string CheckName = "prop";

    private static readonly HealthDetailLevel[] Levels = [HealthDetailLevel.Status, HealthDetailLevel.Components, HealthDetailLevel.Full];

    private static readonly Gen<Carrier> Carriers = Gen.Enum<Carrier>();

    private static readonly Gen<string> Prose = Gen.OneOf("{0}", "connect failed: {0} (retrying)", "{0}\nsee the runbook", "upstream said \"{0}\"");

    public enum Carrier
    {
        Description,
        DataValue,
        DataKey,
        NestedData,
        ResultException,
        ThrownException,
        InnerException,
        AggregateException,
        DescriptionFromMessage,
    }

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("HEALTHKIT_PROPERTY_ITER"), CultureInfo.InvariantCulture, out var n) ? n : 10_000;

    private static string? Seed => Environment.GetEnvironmentVariable("HEALTHKIT_PROPERTY_SEED") is { Length: > 0 } seed ? seed : null;

    [Fact]
    public void Boundary_GeneratedSecretsInEveryCarrier_NeverLeaveTheProcess()
    {
        using var hidden = new Harness(includeExceptionDetails: false);
        using var shown = new Harness(includeExceptionDetails: true);
        var cases = 0;

        Gen.Select(SecretShapes.Any, Carriers, Prose).Sample(
            (shape, carrier, prose) =>
            {
                cases++;
                var text = string.Format(CultureInfo.InvariantCulture, prose, shape.Text);
                foreach (var harness in new[] { hidden, shown })
                {
                    AssertNoPiece(shape, carrier, harness.Outputs(text, carrier));
                }
            },
            seed: Seed,
            iter: Iterations,
            threads: 1,
            print: t => $"{t.Item2} carrying [{t.Item1}] in '{t.Item3}'");

        Assert.True(cases >= Iterations, $"{cases} cases ran");
    }

    [Fact]
    public async Task Boundary_GeneratedSecretsThroughTheRealServer_NeverReachAResponseOrLog()
    {
        var sink = new StructuredLogSink();
        var current = new Case();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit(o =>
                    {
                        o.IncludeExceptionDetails = true;
                        o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero;
                    })
                    .AddCheck(CheckName, new CaseCheck(current));
            },
            environment: "Development");

        // A smaller sample than the in-process test: each case is 36 HTTP requests (9 carriers, 4 formats).
        await SecretShapes.Any.SampleAsync(
            async shape =>
            {
                foreach (var carrier in Enum.GetValues<Carrier>())
                {
                    current.Value = (shape.Text, carrier);
                    sink.Records.Clear();
                    var outputs = new List<string>();
                    foreach (var (path, accept) in new[] { ("/health", null), ("/health?format=text&verbose", null), ("/health", "text/html"), ("/health", "application/health+json") })
                    {
                        var response = await host.GetAsync(path, accept);
                        Assert.Equal(503, response.StatusCode);
                        outputs.AddRange(Decoded(response.Body, accept));
                    }

                    outputs.AddRange(sink.Records.SelectMany(r => r.Texts()));
                    AssertNoPiece(shape, carrier, outputs);
                }
            },
            seed: Seed,
            iter: 60,
            threads: 1);
    }

    /// <summary>
    /// What a reader of <paramref name="body"/> sees: a JSON body's every string and property name, decoded (the raw
    /// body would only add the writer's own escapes, which can look like an escaped secret's); a page, raw and decoded;
    /// anything else as it is.
    /// </summary>
    private static IEnumerable<string> Decoded(string body, string? accept)
    {
        if (accept != "text/html" && body.StartsWith('{'))
        {
            foreach (var text in JsonStrings(JsonDocument.Parse(body).RootElement))
            {
                yield return text;
            }

            yield break;
        }

        yield return body;
        if (accept == "text/html")
        {
            yield return WebUtility.HtmlDecode(body);
        }
    }

    private static void AssertNoPiece(SecretShape shape, Carrier carrier, IEnumerable<string> outputs)
    {
        var pieces = shape.Forms.SelectMany(Pieces).Distinct().ToArray();
        foreach (var output in outputs)
        {
            foreach (var piece in pieces)
            {
                if (output.Contains(piece, StringComparison.Ordinal))
                {
                    Assert.Fail($"'{piece}' of {shape} ({carrier}) leaked in:\n{output}");
                }
            }
        }
    }

    /// <summary>
    /// Every piece of 8 characters of the secret, in each form it takes: an escape (<c>\u0022</c>, <c>\"</c>,
    /// <c>%2F</c>) counts as the one character it stands for, so that a piece of an escaped form is as much of the secret
    /// as a piece of the plain one (8 characters of the escaped text could hold as little as one character of the secret,
    /// and match the writer's own escapes). A piece of only punctuation and spaces (such as <c>"; ='@/{</c>) says nothing
    /// of the secret and can occur in any output by chance.
    /// </summary>
    private static IEnumerable<string> Pieces(string form)
    {
        var units = new List<string>();
        for (var i = 0; i < form.Length;)
        {
            var length = form[i] switch
            {
                '\\' when i + 5 < form.Length && form[i + 1] == 'u' => 6,
                '\\' when i + 1 < form.Length => 2,
                '%' when i + 2 < form.Length && Uri.IsHexDigit(form[i + 1]) && Uri.IsHexDigit(form[i + 2]) => 3,
                _ => 1,
            };
            units.Add(form.Substring(i, length));
            i += length;
        }

        for (var i = 0; i + 8 <= units.Count; i++)
        {
            var piece = string.Concat(units.Skip(i).Take(8));
            if (piece.Any(char.IsLetterOrDigit) && units.Skip(i).Take(8).Any(unit => unit.Length == 1 && char.IsLetterOrDigit(unit[0])))
            {
                yield return piece;
            }
        }
    }

    private static IEnumerable<string> JsonStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    yield return property.Name;
                    foreach (var text in JsonStrings(property.Value))
                    {
                        yield return text;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var text in JsonStrings(item))
                    {
                        yield return text;
                    }
                }

                break;
        }
    }

    /// <summary>What a check returns, or throws, to carry <paramref name="text"/> the way <paramref name="carrier"/> says.</summary>
    internal static HealthCheckResult Result(string text, Carrier carrier) => carrier switch
    {
        Carrier.Description => HealthCheckResult.Unhealthy(text),
        Carrier.DataValue => HealthCheckResult.Unhealthy("failing", data: new Dictionary<string, object> { ["detail"] = text }),
        Carrier.DataKey => HealthCheckResult.Unhealthy("failing", data: new Dictionary<string, object> { [text] = 1 }),
        Carrier.NestedData => HealthCheckResult.Unhealthy("failing", data: new Dictionary<string, object>
        {
            ["outer"] = new Dictionary<string, object> { ["inner"] = new object[] { text, new Dictionary<string, object> { [text] = text } } },
        }),
        Carrier.ResultException => HealthCheckResult.Unhealthy("failing", new InvalidOperationException(text)),
        Carrier.DescriptionFromMessage => HealthCheckResult.Unhealthy(text.Replace("\n", " ", StringComparison.Ordinal), new InvalidOperationException(text)),
        Carrier.ThrownException => throw new InvalidOperationException(text),
        Carrier.InnerException => throw new InvalidOperationException("the check failed", new FormatException(text)),
        _ => throw new AggregateException(new TimeoutException("first"), new InvalidOperationException(text)),
    };

    private sealed class Case
    {
        public (string Text, Carrier Carrier) Value { get; set; }
    }

    private sealed class CaseCheck(Case current) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(Result(current.Value.Text, current.Value.Carrier));
    }

    /// <summary>A real engine, with a check that plays the current case, and every writer read in-process.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly ServiceProvider _services;
        private readonly HealthEngine _engine;
        private readonly CheckSlot _slot;
        private readonly StructuredLogSink _sink = new();
        private readonly Case _current = new();
        private readonly JsonEncodedText[] _names;
        private readonly HealthJsonIdentity _identity;
        private readonly HtmlReportWriter.PageLinks _links = new("./health?format=json", "./health?refresh=off", null);
        private readonly CheckOutcome _healthy;

        public Harness(bool includeExceptionDetails)
        {
            var services = new ServiceCollection();
            services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_sink));
            services.AddHealthKit(o => o.IncludeExceptionDetails = includeExceptionDetails).AddCheck(CheckName, new CaseCheck(_current));
            _services = services.BuildServiceProvider();
            _engine = _services.GetRequiredService<HealthEngine>();
            _slot = _engine.Find(CheckName)!;
            _names = JsonReportWriter.EncodeNames(_engine.Slots);
            _identity = new HealthJsonIdentity(new HealthJsonOptions { ServiceId = "orders" }, "orders", "1.0.0");
            _healthy = new CheckOutcome(HealthStatus.Healthy, null, TimeSpan.Zero, DateTimeOffset.UnixEpoch, 0, []);
        }

        public List<string> Outputs(string text, Carrier carrier)
        {
            _current.Value = (text, carrier);
            _sink.Records.Clear();
            var run = _engine.ExecuteAsync(_slot, _slot.Registration, 0, CancellationToken.None).GetAwaiter().GetResult();
            var outcome = run.Outcome;
            var evaluation = new Evaluation([_slot], [outcome], TimeSpan.Zero);
            var outputs = new List<string>();
            foreach (var level in Levels)
            {
                var json = new ArrayBufferWriter<byte>();
                JsonReportWriter.Write(json, evaluation, level, _names);
                outputs.AddRange(Decoded(Encoding.UTF8.GetString(json.WrittenSpan), null));

                var healthJson = new ArrayBufferWriter<byte>();
                HealthJsonWriter.Write(healthJson, "fail", evaluation, level, _identity, null);
                outputs.AddRange(Decoded(Encoding.UTF8.GetString(healthJson.WrittenSpan), null));

                outputs.Add(TextReportWriter.Render("health", evaluation, level, verbose: true, null));
                outputs.AddRange(Decoded(HtmlReportWriter.Render("health", evaluation, level, null, DateTimeOffset.UnixEpoch, TimeSpan.Zero, _links), "text/html"));
            }

            var report = HealthReportFactory.Create(evaluation).Entries[CheckName];
            outputs.Add(report.Description ?? string.Empty);
            outputs.Add(report.Exception?.Message ?? string.Empty);
            outputs.Add(JsonSerializer.Serialize(report.Data));
            outputs.AddRange(Decoded(Encoding.UTF8.GetString(WebhookListener.Serialize(
                new HealthStatusChange(HealthStatusChangeKind.Check, CheckName, HealthStatus.Healthy, outcome.Status, outcome.Description, DateTimeOffset.UnixEpoch))), null));

            // The logs of a status change and of a repeated failure, and the span's exception event, from the raw exception.
            _engine.OnPublished(_slot, new CheckSlot.Published(_healthy, outcome), run.Exception, timedOut: false);
            _engine.OnPublished(_slot, new CheckSlot.Published(outcome, outcome), run.Exception, timedOut: false);
            outputs.AddRange(_sink.Records.SelectMany(r => r.Texts()));
            if (run.Exception is { } exception)
            {
                outputs.Add(Redactor.ForLog(exception.Message, _engine.Redaction));
            }

            return outputs;
        }

        public void Dispose() => _services.Dispose();
    }
}
