using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HealthKit.Endpoints;
using HealthKit.Engine;
using HealthKit.HealthJson;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Endpoints;

/// <summary>
/// An endpoint's answers are rendered once per change and copied to every request until then: whatever changes (a new
/// result, a cached result reaching its time-to-live, a result going stale, a live reload, the application's state), the
/// very next answer is the one the engine renders at that moment, byte for byte, in every format and at every level.
/// </summary>
public sealed partial class AnswerCacheTests
{
    private const string HealthJsonType = "application/health+json";

    /// <summary>Every format at every level the endpoints below give: path, Accept header, and how to render it.</summary>
    private static readonly Variant[] Variants =
    [
        new("/health/ready", null, "Ready", HealthDetailLevel.Status, Format.Json),
        new("/health/ready?verbose", null, "Ready", HealthDetailLevel.Components, Format.Json),
        new("/health", null, "Health", HealthDetailLevel.Full, Format.Json),
        new("/health/ready?format=text", null, "Ready", HealthDetailLevel.Status, Format.Text),
        new("/health/startup?format=text&verbose", null, "Startup", HealthDetailLevel.Status, Format.VerboseText),
        new("/health/ready?format=text&verbose", null, "Ready", HealthDetailLevel.Components, Format.VerboseText),
        new("/health?format=text&verbose", null, "Health", HealthDetailLevel.Full, Format.VerboseText),
        new("/health/ready", HealthJsonType, "Ready", HealthDetailLevel.Status, Format.HealthJson),
        new("/health/ready?verbose", HealthJsonType, "Ready", HealthDetailLevel.Components, Format.HealthJson),
        new("/health", HealthJsonType, "Health", HealthDetailLevel.Full, Format.HealthJson, Identified: true),
    ];

    private static readonly Dictionary<string, string?> Configuration = new()
    {
        ["HealthKit:Endpoints:Health:DetailLevel"] = "Full",
        ["HealthKit:Endpoints:Startup:DetailLevel"] = "Status",
        ["HealthKit:HealthJson:ServiceId"] = "orders",
        ["HealthKit:HealthJson:Version"] = "2.1.0",
    };

    /// <summary>
    /// The walk's checks, all on demand: the defaults, a result kept longer than its maximum age, and a failing result
    /// kept longer than a healthy one. A background check's runs start on its own timer, so the walk could not tell which result a request
    /// saw; <see cref="BackgroundResult_IsInTheNextAnswer"/> covers it.
    /// </summary>
    private static readonly Dictionary<string, string?> WalkConfiguration = new(Configuration)
    {
        ["HealthKit:Checks:beta:CacheTtl"] = "00:00:30",
        ["HealthKit:Checks:beta:MaxAge"] = "00:00:10",
        ["HealthKit:Checks:gamma:FailureCacheTtl"] = "00:00:03",
    };

    private enum Format
    {
        Json,
        Text,
        VerboseText,
        HealthJson,
    }

    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4 };

    /// <summary>
    /// A seeded walk of requests and changes of every kind. After each step one or more variants are requested, and
    /// each answer must equal what the writers render from an evaluation made right after it: no answer is ever an
    /// older rendering. Seeds are fixed so that a failure can be replayed; the trace is in the failure message.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task EveryAnswer_AfterEveryKindOfChange_IsWhatTheEngineRendersAtThatMoment(int seed)
    {
        var random = new Random(seed);
        var time = Clock();
        var checks = new Dictionary<string, MutableCheck>
        {
            ["alpha"] = new(), ["beta"] = new(), ["gamma"] = new(), ["delta"] = new(),
        };
        await using var host = await TestHost.StartWithChecksAsync(
            time,
            c => c.AddCheck("alpha", checks["alpha"], tags: [HealthKitTags.Ready])
                .AddCheck("beta", checks["beta"], tags: [HealthKitTags.Ready])
                .AddCheck("gamma", checks["gamma"], tags: [HealthKitTags.Ready])
                .AddCheck("delta", checks["delta"]),
            configuration: WalkConfiguration);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        var availability = host.Services.GetRequiredService<HealthKitAvailability>();
        var trace = new List<string>();
        var repeats = 0;
        var notReady = false;
        var critical = new Dictionary<string, bool> { ["alpha"] = true, ["beta"] = true };
        var enabled = new Dictionary<string, bool> { ["alpha"] = true, ["delta"] = true };
        string? lastAsked = null;

        for (var step = 0; step < 150; step++)
        {
            var roll = random.Next(100);
            if (roll < 20)
            {
                var by = TimeSpan.FromMilliseconds(new[] { 300, 1000, 2500, 6000, 11000 }[random.Next(5)]);
                trace.Add($"advance {by.TotalMilliseconds} ms");
                time.Advance(by);
            }
            else if (roll < 45)
            {
                var name = checks.Keys.ElementAt(random.Next(checks.Count));
                var status = (HealthStatus)random.Next(3);
                var description = new[] { "fine", "slow replica", "quota at 91%", null }[random.Next(4)];
                checks[name].Set(status, description, random.Next(1000));
                trace.Add($"{name} now answers {status} '{description}'");
            }
            else if (roll < 55)
            {
                var name = random.Next(2) == 0 ? "alpha" : "beta";
                critical[name] = !critical[name];
                trace.Add($"reload {name}:Critical={critical[name]}");
                host.Edit(($"HealthKit:Checks:{name}:Critical", critical[name] ? "true" : "false"));
            }
            else if (roll < 63)
            {
                var name = random.Next(2) == 0 ? "alpha" : "delta";
                enabled[name] = !enabled[name];
                trace.Add($"reload {name}:Enabled={enabled[name]}");
                host.Edit(($"HealthKit:Checks:{name}:Enabled", enabled[name] ? "true" : "false"));
            }
            else if (roll < 68)
            {
                var ttl = new[] { "00:00:01", "00:00:02", "00:00:05" }[random.Next(3)];
                trace.Add($"reload alpha:CacheTtl={ttl}");
                host.Edit(("HealthKit:Checks:alpha:CacheTtl", ttl));
            }
            else if (roll < 74)
            {
                notReady = !notReady;
                trace.Add(notReady ? "MarkNotReady" : "MarkReady");
                if (notReady)
                {
                    availability.MarkNotReady("maintenance");
                }
                else
                {
                    availability.MarkReady();
                }
            }

            await SettleAsync(engine);
            var asks = random.Next(1, 4);
            for (var i = 0; i < asks; i++)
            {
                // Half of the time the same variant again: with nothing changed in between, a rendered answer is reused.
                var variant = lastAsked is not null && random.Next(2) == 0 ? Variants.First(v => v.Name == lastAsked) : Variants[random.Next(Variants.Length)];
                repeats += variant.Name == lastAsked ? 1 : 0;
                lastAsked = variant.Name;
                var answer = await host.GetAsync(variant.Path, variant.Accept);
                await SettleAsync(engine);
                var expected = await RenderNowAsync(host, engine, variant);
                trace.Add($"GET {variant.Name}: {answer.StatusCode}");
                if (answer.StatusCode != expected.StatusCode || WithoutDuration(answer.Body) != WithoutDuration(expected.Body))
                {
                    Assert.Fail(
                        $"seed {seed}, step {step}: GET {variant.Name} answered {answer.StatusCode} {answer.Body}\n"
                        + $"but the engine renders {expected.StatusCode} {expected.Body}\n"
                        + "trace:\n  " + string.Join("\n  ", trace.TakeLast(40)));
                }
            }
        }

        // The walk asked the same variant again, with nothing changed in between, often enough to be served bytes.
        Assert.True(repeats > 40, $"only {repeats} repeated requests");
    }

    /// <summary>
    /// The explicit case: every variant is warmed (rendered and kept), then one check's result changes when its cached
    /// result expires, and the very next request of each variant shows it.
    /// </summary>
    [Fact]
    public async Task ResultChange_AfterEveryVariantWasRendered_IsInTheVeryNextAnswerOfEach()
    {
        var time = Clock();
        var alpha = new MutableCheck();
        await using var host = await StartAsync(time, [("alpha", alpha), ("beta", new MutableCheck())]);
        var engine = host.Services.GetRequiredService<HealthEngine>();
        foreach (var variant in Variants)
        {
            await host.GetAsync(variant.Path, variant.Accept);
            var warm = await host.GetAsync(variant.Path, variant.Accept);
            Assert.DoesNotContain("Unhealthy", warm.Body, StringComparison.Ordinal);
        }

        alpha.Set(HealthStatus.Unhealthy, "replica unreachable", 7);
        time.Advance(TimeSpan.FromSeconds(2));
        foreach (var variant in Variants.Where(v => v.Endpoint != "Startup"))
        {
            var answer = await host.GetAsync(variant.Path, variant.Accept);
            Assert.Equal(503, answer.StatusCode);
            var expected = await RenderNowAsync(host, engine, variant);
            Assert.Equal(WithoutDuration(expected.Body), WithoutDuration(answer.Body));
            if (variant.Level == HealthDetailLevel.Full)
            {
                Assert.Contains("replica unreachable", answer.Body, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>A background check's new result, published by its own loop, is in the next answer.</summary>
    [Fact]
    public async Task BackgroundResult_IsInTheNextAnswer()
    {
        var time = Clock();
        var gamma = new MutableCheck();
        await using var host = await StartAsync(time, [("gamma", gamma)], ("HealthKit:Checks:gamma:Mode", "Background"), ("HealthKit:Checks:gamma:Period", "00:00:05"));
        var engine = host.Services.GetRequiredService<HealthEngine>();
        await Eventually.True(() => gamma.Runs >= 1 && engine.Find("gamma")!.Current is not null);
        foreach (var variant in Variants)
        {
            await host.GetAsync(variant.Path, variant.Accept);
            Assert.NotEqual(503, (await host.GetAsync(variant.Path, variant.Accept)).StatusCode);
        }

        gamma.Set(HealthStatus.Unhealthy, "replica unreachable", 7);
        var runs = gamma.Runs;
        // The loop's next run is due within a period and its jitter; time moves a second at a time, and each step gives
        // the loop (which re-arms its timer on the thread pool) real time to run.
        for (var i = 0; i < 20 && engine.Find("gamma")!.Current?.Status != HealthStatus.Unhealthy; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            var waited = TimeProvider.System.GetTimestamp();
            while (engine.Find("gamma")!.Current?.Status != HealthStatus.Unhealthy && TimeProvider.System.GetElapsedTime(waited) < TimeSpan.FromMilliseconds(200))
            {
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }
        }

        Assert.True(gamma.Runs > runs);
        Assert.Equal(HealthStatus.Unhealthy, engine.Find("gamma")!.Current?.Status);
        foreach (var variant in Variants.Where(v => v.Endpoint != "Startup"))
        {
            var answer = await host.GetAsync(variant.Path, variant.Accept);
            Assert.Equal(503, answer.StatusCode);
            Assert.Equal(WithoutDuration((await RenderNowAsync(host, engine, variant)).Body), WithoutDuration(answer.Body));
        }
    }

    /// <summary>
    /// A result that reaches its maximum age while its cache still holds it is reported stale by a timer, not by a
    /// request; the rendered answers that held it are not used again.
    /// </summary>
    [Fact]
    public async Task StaleResult_WhileItsCacheStillHoldsIt_IsInTheNextAnswer()
    {
        var time = Clock();
        var beta = new MutableCheck();
        await using var host = await StartAsync(time, [("beta", beta)], ("HealthKit:Checks:beta:CacheTtl", "00:00:30"), ("HealthKit:Checks:beta:MaxAge", "00:00:10"));
        var engine = host.Services.GetRequiredService<HealthEngine>();
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        beta.Set(HealthStatus.Unhealthy, "replica unreachable", 7);

        time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.True(() => engine.Find("beta")!.Current?.Stale == true);

        // The stale verdict is a failure, kept for the failure time-to-live (1 s) which its age is far past: the next
        // request runs the check again. The answer rendered from the healthy result, which its 30 s would still allow,
        // is not used.
        var answer = await host.GetAsync("/health/ready");
        Assert.Equal(503, answer.StatusCode);
        Assert.Equal(2, beta.Runs);
    }

    /// <summary>
    /// A request answered with rendered bytes counts, per check, as a request answered with that check's cached result,
    /// as before: <c>healthkit.check.cached</c> is derived from one count per answer when it is observed.
    /// </summary>
    [Fact]
    public async Task RenderedAnswer_CountsInEachChecksCachedCounter_AndADisabledCheckIsNotCounted()
    {
        var time = Clock();
        await using var host = await StartAsync(time, [("alpha", new MutableCheck()), ("beta", new MutableCheck())]);
        using var meter = new MeterCapture(host.Services);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(200, (await host.GetAsync("/health/ready")).StatusCode);
        }

        // The first request ran both checks; the nine after it were each answered with both cached results.
        Assert.Equal(9, meter.Scrape().Series("healthkit.check.cached", ("healthkit.check.name", "alpha")));
        Assert.Equal(9, meter.Scrape().Series("healthkit.check.cached", ("healthkit.check.name", "beta")));

        host.Edit(("HealthKit:Checks:beta:Enabled", "false"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(["startup", "availability", "alpha"], (await host.GetAsync("/health/ready?verbose")).EntryNames);
        }

        Assert.Equal(14, meter.Scrape().Series("healthkit.check.cached", ("healthkit.check.name", "alpha")));
        Assert.Equal(9, meter.Scrape().Series("healthkit.check.cached", ("healthkit.check.name", "beta")));
    }

    /// <summary>A rendered answer is never kept for a result that is never reused (a time-to-live of zero).</summary>
    [Fact]
    public async Task CheckWithoutCache_RunsForEveryRequest_AndEveryAnswerIsItsOwn()
    {
        var time = Clock();
        var check = new MutableCheck();
        await using var host = await StartAsync(time, [("alpha", check)], ("HealthKit:Checks:alpha:CacheTtl", "00:00:00"));

        for (var i = 0; i < 5; i++)
        {
            check.Set(HealthStatus.Healthy, "run " + i, i);
            var answer = await host.GetAsync("/health");
            Assert.Equal("run " + i, answer.Description("alpha"));
        }

        Assert.Equal(5, check.Runs);
    }

    /// <summary>
    /// An answer holding a result that is never reused is not kept, and is written as it is rendered: in every format and
    /// at every level, the same bytes as the writers render from a fresh evaluation, and the check runs for each request.
    /// </summary>
    [Fact]
    public async Task CheckWithoutCache_EveryVariant_IsWhatTheWritersRender()
    {
        var time = Clock();
        var uncached = new SteadyCheck(HealthStatus.Degraded, "slow replica", new Dictionary<string, object> { ["lagSeconds"] = 12 });
        await using var host = await TestHost.StartWithChecksAsync(
            time,
            c => c.AddCheck("alpha", uncached, tags: [HealthKitTags.Ready]).AddCheck("beta", new SteadyCheck(HealthStatus.Healthy, "fine", new Dictionary<string, object>()), tags: [HealthKitTags.Ready]),
            configuration: new Dictionary<string, string?>(Configuration) { ["HealthKit:Checks:alpha:CacheTtl"] = "00:00:00", ["HealthKit:Checks:alpha:FailureCacheTtl"] = "00:00:00" });
        var engine = host.Services.GetRequiredService<HealthEngine>();

        foreach (var variant in Variants)
        {
            for (var i = 0; i < 2; i++)
            {
                var runs = uncached.Runs;
                var answer = await host.GetAsync(variant.Path, variant.Accept);
                var expected = await RenderNowAsync(host, engine, variant);

                // Startup runs only the lifecycle checks.
                Assert.True(variant.Endpoint == "Startup" || uncached.Runs >= runs + 1, $"{variant.Name}: the check did not run for the request");
                Assert.Equal(expected.StatusCode, answer.StatusCode);
                Assert.Equal(WithoutDuration(expected.Body), WithoutDuration(answer.Body));
            }
        }
    }

    /// <summary>
    /// Through Kestrel, an answer far larger than the server's 4 KB buffers is sent whole from its rendered bytes: the same
    /// bytes as the answer that rendered it, apart from the request's own <c>totalDuration</c>, with a
    /// <c>Content-Length</c> that counts them, and the same length and no body for <c>HEAD</c>.
    /// </summary>
    [Fact]
    public async Task LargeAnswer_ThroughKestrel_IsSentWholeWithItsLength()
    {
        var cancel = TestContext.Current.CancellationToken;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00",
            ["HealthKit:Endpoints:Health:DetailLevel"] = "Full",
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var checks = builder.Services.AddHealthKit();
        for (var i = 0; i < 60; i++)
        {
            var check = new MutableCheck();
            check.Set(HealthStatus.Healthy, new string('d', 200) + i.ToString(CultureInfo.InvariantCulture), i);
            checks.AddCheck("check-" + i.ToString("D2", CultureInfo.InvariantCulture), check, tags: [HealthKitTags.Ready]);
        }

        await using var app = builder.Build();
        app.MapHealthKit();
        await app.StartAsync(cancel);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        var rendered = await GetAsync(HttpMethod.Get);
        var copied = await GetAsync(HttpMethod.Get);
        var head = await GetAsync(HttpMethod.Head);

        Assert.True(rendered.Body.Length > 16_384, $"the answer is {rendered.Body.Length} bytes");
        Assert.Equal(rendered.Body.Length, rendered.Length);
        Assert.Equal(copied.Body.Length, copied.Length);
        Assert.Equal(WithoutDuration(rendered.Body), WithoutDuration(copied.Body));
        using var json = JsonDocument.Parse(copied.Body);
        Assert.Equal(63, json.RootElement.GetProperty("entries").EnumerateObject().Count());
        Assert.True(TimeSpan.TryParseExact(json.RootElement.GetProperty("totalDuration").GetString(), "c", CultureInfo.InvariantCulture, out _));
        Assert.Equal(new string('d', 200) + "59", json.RootElement.GetProperty("entries").GetProperty("check-59").GetProperty("description").GetString());
        Assert.Empty(head.Body);
        Assert.InRange(head.Length ?? 0, rendered.Body.Length - 26, rendered.Body.Length + 26);

        async Task<(string Body, long? Length)> GetAsync(HttpMethod method)
        {
            using var request = new HttpRequestMessage(method, "/health");
            using var response = await client.SendAsync(request, cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadAsStringAsync(cancel), response.Content.Headers.ContentLength);
        }
    }

    /// <summary>A host on a fake clock with <paramref name="checks"/>, each tagged ready, and the endpoints' settings plus <paramref name="settings"/>.</summary>
    private static Task<TestHost> StartAsync(FakeTimeProvider time, (string Name, MutableCheck Check)[] checks, params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?>(Configuration);
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return TestHost.StartWithChecksAsync(
            time,
            c =>
            {
                foreach (var (name, check) in checks)
                {
                    c.AddCheck(name, check, tags: [HealthKitTags.Ready]);
                }
            },
            configuration: configuration);
    }

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private static async Task SettleAsync(HealthEngine engine) =>
        await Eventually.True(() => engine.Slots.All(slot => !slot.RunState.Running));

    /// <summary>What the writers render for <paramref name="variant"/> from an evaluation made now, with no cache between.</summary>
    private static async Task<(int StatusCode, string Body)> RenderNowAsync(TestHost host, HealthEngine engine, Variant variant)
    {
        var endpoint = engine.Options.Endpoints.All.Single(e => e.Key == variant.Endpoint);
        var evaluation = await engine.EvaluateAsync(engine.SlotsFor(endpoint), endpoint.Deadline, TestContext.Current.CancellationToken);
        var buffer = new ArrayBufferWriter<byte>();
        var statusCode = evaluation.Status switch
        {
            HealthStatus.Healthy => endpoint.HealthyStatusCode,
            HealthStatus.Degraded => endpoint.DegradedStatusCode,
            _ => endpoint.UnhealthyStatusCode,
        };
        switch (variant.Format)
        {
            case Format.Json:
                JsonReportWriter.Write(buffer, evaluation, variant.Level, JsonReportWriter.EncodeNames(engine.Slots));
                break;
            case Format.Text or Format.VerboseText:
                return (statusCode, TextReportWriter.Render(endpoint.Key, evaluation, variant.Level, variant.Format == Format.VerboseText, notes: null));
            default:
                var identity = host.Services.GetRequiredService<HealthJsonIdentity>();
                var (status, code) = HealthJsonWriter.MapStatus(evaluation.Status, endpoint);
                HealthJsonWriter.Write(buffer, status, evaluation, variant.Level, variant.Identified ? identity : identity.Anonymous, notes: null);
                statusCode = code;
                break;
        }

        return (statusCode, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static string WithoutDuration(string body) => TotalDuration().Replace(body, "\"totalDuration\":\"\"");

    [GeneratedRegex("\"totalDuration\":\"[^\"]*\"")]
    private static partial Regex TotalDuration();

    private sealed record Variant(string Path, string? Accept, string Endpoint, HealthDetailLevel Level, Format Format, bool Identified = false)
    {
        public string Name => Path + (Accept is null ? string.Empty : " (" + Accept + ")");
    }

    /// <summary>A check that returns the same result on every run, and counts its runs.</summary>
    private sealed class SteadyCheck(HealthStatus status, string description, IReadOnlyDictionary<string, object> data) : IHealthCheck
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _runs);
            return Task.FromResult(new HealthCheckResult(status, description, data: data));
        }
    }

    /// <summary>A check whose next result the test sets; each run returns it with the run's number in its data.</summary>
    private sealed class MutableCheck : IHealthCheck
    {
        private Next _next = new(HealthStatus.Healthy, "fine", 0);
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public void Set(HealthStatus status, string? description, int value) =>
            Volatile.Write(ref _next, new Next(status, description, value));

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var runs = Interlocked.Increment(ref _runs);
            var next = Volatile.Read(ref _next);
            var data = new Dictionary<string, object> { ["value"] = next.Value, ["run"] = runs.ToString(CultureInfo.InvariantCulture) };
            return Task.FromResult(new HealthCheckResult(next.Status, next.Description, data: data));
        }

        private sealed record Next(HealthStatus Status, string? Description, int Value);
    }
}
