using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using HealthKit.Redaction;
using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Redaction;

/// <summary>The reproductions of issue 20's points 1, 2, 3, 6 and 8, each through the real endpoints and logs.</summary>
public sealed class RedactionReproductionTests
{
    private const string TextPath = "/health?format=text&verbose";

    [Theory]
    [InlineData("amqp://app:Zm9v/YmFy@mq:5672/prod", "amqp://app:******@mq:5672/prod")]
    [InlineData("redis://:p#ss@cache:6379", "redis://:******@cache:6379")]
    [InlineData("https://ops:a?b/c#d@e@hooks.example.test/x?y=1", "https://ops:******@hooks.example.test/x?y=1")]
    [InlineData("failed: postgres://app:S3cr/et@db:5432/orders (timeout)", "failed: postgres://app:******@db:5432/orders (timeout)")]
    public void RedactText_UriPasswordHoldingSlashQuestionHashOrAt_MasksItWhole(string text, string expected) =>
        Assert.Equal(expected, Redactor.RedactText(text));

    [Theory]
    [InlineData("Host=db;Password=Tr0ub4dor&3xyz", "Host=db;Password=******")]
    [InlineData("Host=db;Password=Tr0ub4dor&3xyz;Port=5432", "Host=db;Password=******;Port=5432")]
    [InlineData("Driver={PostgreSQL};PWD={Tr0ub;4dor&3};UID=app", "Driver={PostgreSQL};PWD={******};UID=app")]
    [InlineData("PWD={a}}b;c}", "PWD={******}")]
    [InlineData("Password=\"a;b\"\"c\";Host=db", "Password=\"******\";Host=db")]
    [InlineData("Password='a;b''c';Host=db", "Password='******';Host=db")]
    [InlineData("https://x.test/cb?user=bob&token=abc%26def&next=1", "https://x.test/cb?user=bob&token=******&next=1")]
    public void RedactText_AmpersandQuotesOrOdbcBraces_MaskTheWholePassword(string text, string expected) =>
        Assert.Equal(expected, Redactor.RedactText(text));

    [Theory]
    [InlineData("amqp://app:Zm9v/YmFy@mq:5672/prod", "Zm9v/YmFy")]
    [InlineData("redis://:p#ss0rd-hk20@cache:6379", "p#ss0rd-hk20")]
    [InlineData("Host=db;Password=Tr0ub4dor&3xyz", "&3xyz")]
    [InlineData("Driver={x};PWD={Tr0ub;4dor&3};UID=app", "4dor&3")]
    public async Task ThrowingCheck_PasswordOfEveryShape_NotInResponseLogOrSpan(string message, string secret)
    {
        var sink = new StructuredLogSink();
        var events = new ConcurrentQueue<string>();
        using var listener = ListenToExceptionEvents(events);
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit(o => o.IncludeExceptionDetails = true)
                    .AddCheck("throws", new ThrowingCheck(new InvalidOperationException(message)));
            },
            environment: "Development");

        var response = await host.GetAsync("/health");
        var text = await host.GetAsync(TextPath);

        Assert.Equal(503, response.StatusCode);
        Assert.Contains("******", response.Entry("throws").GetProperty("exception").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text.Body, StringComparison.Ordinal);
        Assert.Contains(sink.Records, r => r.EventId.Name == "HealthKitCheckStatusChanged");
        Assert.All(sink.Records.SelectMany(r => r.Texts()), t => Assert.DoesNotContain(secret, t, StringComparison.Ordinal));
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.DoesNotContain(secret, e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Full_SecretKeysInJsonNodeTuplesKeyValuePairsAndObjects_AreMasked()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("data", () => HealthCheckResult.Healthy(data: new Dictionary<string, object>
            {
                ["node"] = JsonNode.Parse("""{"password":"hk-node-0301","user":"app"}""")!,
                ["element"] = System.Text.Json.JsonDocument.Parse("""{"token":"hk-element-0302"}""").RootElement,
                ["tuples"] = new List<(string, string)> { ("password", "hk-tuple-0303"), ("user", "app") },
                ["pair"] = new KeyValuePair<string, string>("password", "hk-pair-0304"),
                ["pairs"] = new List<KeyValuePair<string, string>> { new("apiKey", "hk-pairs-0305") },
                ["record"] = new Login("app", "hk-record-0306"),
                ["anonymous"] = new { user = "app", secret = "hk-anon-0307" },
                ["tuple"] = Tuple.Create("client_secret", "hk-tuple-0308"),
            })),
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal(200, response.StatusCode);
        for (var i = 1; i <= 8; i++)
        {
            Assert.DoesNotContain($"-030{i}", response.Body, StringComparison.Ordinal);
        }

        var data = response.Entry("data").GetProperty("data");
        Assert.Equal("******", data.GetProperty("node").GetProperty("password").GetString());
        Assert.Equal("app", data.GetProperty("node").GetProperty("user").GetString());
        Assert.Equal("******", data.GetProperty("element").GetProperty("token").GetString());
        Assert.Equal("******", data.GetProperty("tuples").GetProperty("password").GetString());
        Assert.Equal("app", data.GetProperty("tuples").GetProperty("user").GetString());
        Assert.Equal("******", data.GetProperty("pair").GetProperty("password").GetString());
        Assert.Equal("******", data.GetProperty("pairs").GetProperty("apiKey").GetString());
        Assert.Equal("******", data.GetProperty("record").GetProperty("Password").GetString());
        Assert.Equal("app", data.GetProperty("record").GetProperty("User").GetString());
        Assert.Equal("******", data.GetProperty("anonymous").GetProperty("secret").GetString());
        Assert.Equal("******", data.GetProperty("tuple").GetProperty("client_secret").GetString());
    }

    public static TheoryData<string> Derivations => ["replaced", "truncated", "prefixed", "collapsed"];

    [Theory]
    [MemberData(nameof(Derivations))]
    public async Task Full_DescriptionDerivedFromExceptionMessage_IsReplacedInResponseAndLogs(string derivation)
    {
        var inner = new InvalidOperationException("could not connect to orders-primary.internal:5432\nFATAL: role \"reporting\" does not exist");
        var exception = new AggregateException(new TimeoutException("outer", inner));
        var description = derivation switch
        {
            "replaced" => inner.Message.Replace("\n", " ", StringComparison.Ordinal),
            "truncated" => inner.Message[..40],
            "prefixed" => "Database unavailable: " + inner.Message,
            _ => string.Join("  ", inner.Message.Split(' ')),
        };
        var sink = new StructuredLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit().AddCheck("db", () => HealthCheckResult.Unhealthy(description, exception));
            },
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal("check threw AggregateException", response.Description("db"));
        Assert.DoesNotContain("orders-primary", response.Body, StringComparison.Ordinal);
        var changed = Assert.Single(sink.Records, r => r.EventId.Name == "HealthKitCheckStatusChanged");
        Assert.DoesNotContain("orders-primary", changed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_DescriptionSharingOnlyShortRunsWithTheMessage_IsKept()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("db", () => HealthCheckResult.Unhealthy(
                "primary unreachable, using replica", new InvalidOperationException("Connection refused (primary)"))),
            environment: "Development");

        var response = await host.GetAsync("/health");

        Assert.Equal("primary unreachable, using replica", response.Description("db"));
    }

    [Fact]
    public async Task TextAndJson_ControlAndBidiCharacters_AreEscaped()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("hostile", () => HealthCheckResult.Degraded(
                "nul\0bel\aesc\u001B[2Jrlo\u202Efdp.exe lri\u2066x", data: new Dictionary<string, object> { ["k\u202E"] = "v\u001B" })),
            environment: "Development");

        var text = await host.GetAsync(TextPath);
        var json = await host.GetAsync("/health");
        var html = await host.GetAsync("/health", accept: "text/html");

        Assert.Contains(@"nul\u0000bel\u0007esc\u001B[2Jrlo\u202Efdp.exe lri\u2066x", text.Body, StringComparison.Ordinal);
        Assert.Equal(@"nul\u0000bel\u0007esc\u001B[2Jrlo\u202Efdp.exe lri\u2066x", json.Description("hostile"));
        Assert.Equal(@"v\u001B", json.Entry("hostile").GetProperty("data").GetProperty(@"k\u202E").GetString());
        foreach (var body in new[] { text.Body, json.Body, html.Body })
        {
            Assert.DoesNotContain(body, c => c is '\0' or '\a' or '\u001B' or '\u202E' or '\u2066');
        }
    }

    [Fact]
    public async Task Logs_DescriptionWithLineBreaks_StaysOneLine()
    {
        var sink = new StructuredLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit().AddCheck("forger", () => HealthCheckResult.Degraded(
                    "slow\r\ninfo: HealthKit[1] Health check 'db' changed from Unhealthy to Healthy\u2028x"));
            });

        await host.GetAsync("/health");

        var changed = Assert.Single(sink.Records, r => r.EventId.Name == "HealthKitCheckStatusChanged");
        Assert.DoesNotContain(changed.Message, c => c is '\r' or '\n' or '\u2028');
        Assert.EndsWith("slow info: HealthKit[1] Health check 'db' changed from Unhealthy to Healthy x", changed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EveryFormat_TwoMegabyteDescriptionAndData_AreCutWithAMarker()
    {
        var huge = new string('x', 2 * 1024 * 1024);
        var sink = new StructuredLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit().AddCheck("huge", () => HealthCheckResult.Degraded(
                    huge, data: new Dictionary<string, object> { [huge] = huge, ["list"] = Enumerable.Range(0, 100_000).ToArray() }));
            },
            environment: "Development");

        var json = await host.GetAsync("/health");
        var text = await host.GetAsync(TextPath);
        var html = await host.GetAsync("/health", accept: "text/html");
        var healthJson = await host.GetAsync("/health", accept: "application/health+json");

        var description = json.Description("huge")!;
        Assert.Equal(new string('x', TextBounds.MaxTextLength) + $"…[truncated {huge.Length - TextBounds.MaxTextLength} characters]", description);
        var data = json.Entry("huge").GetProperty("data");
        Assert.Equal(DataWalker.MaxItems, data.GetProperty("list").GetArrayLength());
        Assert.StartsWith(new string('x', TextBounds.MaxKeyLength) + "…[truncated", data.EnumerateObject().First().Name, StringComparison.Ordinal);
        foreach (var body in new[] { json.Body, text.Body, html.Body, healthJson.Body })
        {
            Assert.InRange(body.Length, 1, 64 * 1024);
        }

        Assert.All(sink.Records, r => Assert.InRange(r.Message.Length, 0, 4 * 1024));
    }

    [Theory]
    [InlineData("ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5", "aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5")]
    [InlineData("github_pat_11ABCDEFG0abcdefghij_klmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU", "11ABCDEFG0abcdefghij_klmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTU")]
    [InlineData("xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp", "1234567890-0987654321-AbCdEfGhIjKlMnOp")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "hbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")]
    [InlineData("AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE")]
    [InlineData("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq98b2nX0aL\nq2Fv3w==\n-----END RSA PRIVATE KEY-----", "MIIEpAIBAAKCAQEA7bq98b2nX0aL q2Fv3w==")]
    [InlineData("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")]
    public async Task Full_SelfIdentifyingTokenInDescriptionOrData_IsMasked(string token, string secret)
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit().AddCheck("tokens", () => HealthCheckResult.Degraded(
                "upstream said: " + token, data: new Dictionary<string, object> { ["note"] = token, ["list"] = new[] { token } })),
            environment: "Development");

        var json = await host.GetAsync("/health");
        var text = await host.GetAsync(TextPath);

        for (var i = 0; i + 8 <= secret.Length; i++)
        {
            var piece = secret.Substring(i, 8);
            Assert.DoesNotContain(piece, json.Body, StringComparison.Ordinal);
            Assert.DoesNotContain(piece, text.Body, StringComparison.Ordinal);
        }

        Assert.Contains("******", json.Description("tokens"), StringComparison.Ordinal);
    }

    private static ActivityListener ListenToExceptionEvents(ConcurrentQueue<string> events)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HealthKitTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                foreach (var e in activity.Events)
                {
                    events.Enqueue(string.Join(";", e.Tags.Select(t => t.Key + "=" + t.Value)));
                }

                events.Enqueue(activity.StatusDescription ?? string.Empty);
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    private sealed record Login(string User, string Password);
}
