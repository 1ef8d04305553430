using System.Text;
using HealthKit.Benchmarks.Throughput;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// The applications and connections of the through-Kestrel measurements, for one number of extra checks: HealthKit with
/// <see cref="CheapChecks"/> (its defaults), the same at <c>HealthKit:Endpoints:Health:DetailLevel=Full</c>, and a bare
/// application with <c>GET /ok</c> (writes <c>ok</c>, as <c>serve-bare</c>) and <c>GET /answer</c>, an answer of the
/// <c>Full</c> answer's length and headers prepared once (<see cref="ThroughputServer.Answer"/>). Every connection is
/// warmed and its answer checked before it is handed out (<see cref="ExpectedAnswer"/>), and the extra checks must have
/// run once each, cached since; <see cref="DisposeAsync"/> checks that again.
/// </summary>
internal sealed class KestrelCachedAnswers : IAsyncDisposable
{
    private readonly CheapChecks _checks;
    private readonly CheapChecks _fullChecks;
    private readonly LoopbackApp _app;
    private readonly LoopbackApp _fullApp;
    private readonly LoopbackApp _bareApp;

    private KestrelCachedAnswers(CheapChecks checks, CheapChecks fullChecks, LoopbackApp app, LoopbackApp fullApp, LoopbackApp bareApp, LoopbackHttpClient[] rows)
    {
        _checks = checks;
        _fullChecks = fullChecks;
        _app = app;
        _fullApp = fullApp;
        _bareApp = bareApp;
        Rows = rows;
    }

    /// <summary>The rows' names, in the order of <see cref="Rows"/>.</summary>
    public static IReadOnlyList<string> RowNames { get; } =
    [
        "bare Kestrel /ok",
        "bare Kestrel, the Full answer's shape",
        "/health/ready (Status)",
        "/health (Full)",
        "/health (Components)",
        "/health/live (Status)",
    ];

    /// <summary>One warmed connection per row of <see cref="RowNames"/>.</summary>
    public IReadOnlyList<LoopbackHttpClient> Rows { get; }

    public LoopbackHttpClient BareOk => Rows[0];

    public LoopbackHttpClient BareAnswer => Rows[1];

    public LoopbackHttpClient Ready => Rows[2];

    public LoopbackHttpClient HealthFull => Rows[3];

    public LoopbackHttpClient HealthComponents => Rows[4];

    public LoopbackHttpClient Live => Rows[5];

    public static async Task<KestrelCachedAnswers> StartAsync(int extraChecks)
    {
        var checks = new CheapChecks(extraChecks);
        var fullChecks = new CheapChecks(extraChecks);
        var app = await LoopbackApp.StartAsync(b => checks.AddTo(b.Services.AddHealthKit()), a => a.MapHealthKit()).ConfigureAwait(false);
        var fullApp = await LoopbackApp.StartAsync(
            b => fullChecks.AddTo(b.Services.AddHealthKit()),
            a => a.MapHealthKit(),
            new Dictionary<string, string?> { ["HealthKit:Endpoints:Health:DetailLevel"] = "Full" }).ConfigureAwait(false);

        // /health/ready first: its first answer must have run every extra check, so all of them are tagged ready.
        var ready = Warm(app.Connect("/health/ready"), entries: 0);
        checks.AssertEachRanOnce("/health/ready");
        var components = Warm(app.Connect("/health"), extraChecks + CheapChecks.LifecycleChecks);
        var live = Warm(app.Connect("/health/live"), entries: 0);
        var full = Warm(fullApp.Connect("/health"), extraChecks + CheapChecks.LifecycleChecks);
        checks.AssertEachRanOnce("the warm-up");
        fullChecks.AssertEachRanOnce("the warm-up at Full");

        var fullLength = Math.Max(ThroughputServer.ShortestAnswer, Encoding.UTF8.GetByteCount(full.Body));
        var bareApp = await LoopbackApp.StartAsync(
            _ => { },
            a =>
            {
                a.MapGet("/ok", (HttpContext context) => context.Response.WriteAsync("ok"));
                a.MapGet("/answer", ThroughputServer.Answer(fullLength));
            }).ConfigureAwait(false);
        var bareOk = bareApp.Connect("/ok");
        var bareAnswer = bareApp.Connect("/answer");
        bareOk.Send();
        bareAnswer.Send();
        if (bareOk.StatusCode != 200 || bareOk.Body != "ok" || bareAnswer.StatusCode != 200 || bareAnswer.Body.Length != fullLength)
        {
            throw new InvalidOperationException("The bare application did not answer 200 with the expected bodies.");
        }

        return new KestrelCachedAnswers(checks, fullChecks, app, fullApp, bareApp, [bareOk, bareAnswer, ready, full, components, live]);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        await _fullApp.DisposeAsync().ConfigureAwait(false);
        await _bareApp.DisposeAsync().ConfigureAwait(false);
        _checks.AssertEachRanOnce("the measured requests");
        _fullChecks.AssertEachRanOnce("the measured requests at Full");
    }

    /// <summary>Fills the caches and checks that the connection answers what the measurements claim to measure.</summary>
    private static LoopbackHttpClient Warm(LoopbackHttpClient client, int entries)
    {
        for (var i = 0; i < 3; i++)
        {
            client.Send();
        }

        ExpectedAnswer.Verify(client.StatusCode, client.Body, entries);
        return client;
    }
}
