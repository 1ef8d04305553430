using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using HealthKit.Npgsql.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace HealthKit.Npgsql.Tests.Samples;

/// <summary>
/// Everything that watches the sample's health sees the same status changes the endpoints report: a Prometheus scrape of
/// <c>/metrics</c>, OpenTelemetry's exporter (metrics and spans), an <see cref="IHealthCheckPublisher"/> driven by
/// Microsoft's publisher service, and the webhook listener. PostgreSQL stops and starts again; the sample runs on real
/// Kestrel, and every watcher is a real client of it.
/// </summary>
/// <remarks>
/// OpenTelemetry's providers listen to every meter and activity source named <c>HealthKit</c> in the process, not only
/// this application's: run alone, or the other tests' applications would show up in what is exported.
/// </remarks>
[Collection(nameof(WatchersAgreeTests))]
[CollectionDefinition(nameof(WatchersAgreeTests), DisableParallelization = true)]
public sealed partial class WatchersAgreeTests(DedicatedCluster server) : IClassFixture<DedicatedCluster>, IDisposable
{
    /// <summary>How long a result is reused, Healthy or not: a change reaches the engine at most this long after it happens.</summary>
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The postgres check's timeout. Generous, with a Degraded threshold close under it, so that a reconnection slowed by
    /// a busy machine cannot show up as a Degraded step that PostgreSQL did not take.
    /// </summary>
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How often this test asks the endpoints and scrapes <c>/metrics</c>.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>How long the Prometheus exporter reuses a scrape's response (its default): a scrape can be this stale.</summary>
    private static readonly TimeSpan ScrapeCache = TimeSpan.FromMilliseconds(300);

    /// <summary>How often OpenTelemetry's periodic reader exports to the in-memory exporter.</summary>
    private static readonly TimeSpan ExportInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Microsoft's publisher service period (its minimum).</summary>
    private static readonly TimeSpan PublisherPeriod = TimeSpan.FromSeconds(1);

    /// <summary>What a busy two-core machine may add to any of the bounds.</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long each state is watched once every watcher shows it: several TTLs, so that the probes have had many chances
    /// to start a run of their own if they could.
    /// </summary>
    private static readonly TimeSpan Hold = Ttl * 3;

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static readonly HealthStatus[] UpDownUp = [HealthStatus.Healthy, HealthStatus.Unhealthy, HealthStatus.Healthy];

    private readonly SampleDatabase _database = new();
    private readonly long _origin = TimeProvider.System.GetTimestamp();

    private TimeSpan Now => TimeProvider.System.GetElapsedTime(_origin);

    /// <summary>The postgres check's query: each run that reaches PostgreSQL leaves a row, stamped by the server.</summary>
    private const string CountingQuery = "INSERT INTO healthkit_runs DEFAULT VALUES";

    [Fact]
    public async Task Watchers_PostgresStoppedAndStarted_AllSeeTheSameChangesWithinOneTtl_FromOneRunPerTtl()
    {
        await server.Cluster.ExecuteAsync("CREATE TABLE healthkit_runs (at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await using var webhook = await WebhookReceiver.StartAsync(() => Now);
        var publisher = new TimelinePublisher(() => Now);
        var spans = new Stamped<Activity>(() => Now);
        var exports = new Stamped<MetricSnapshot>(() => Now);

        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder => builder
            .UseSetting("ConnectionStrings:Sqlite", _database.ConnectionString)
            .UseSetting("ConnectionStrings:Postgres", server.ConnectionString("hk-watchers"))
            .UseSetting("Sample:Prometheus", "true")
            .UseSetting("HealthKit:Webhook:Url", webhook.Url.ToString())
            .UseSetting("HealthKit:Defaults:CacheTtl", Ttl.ToString("c", CultureInfo.InvariantCulture))
            .UseSetting("HealthKit:Defaults:FailureCacheTtl", Ttl.ToString("c", CultureInfo.InvariantCulture))
            .UseSetting("HealthKit:Checks:postgres:Query", CountingQuery)
            .UseSetting("HealthKit:Checks:postgres:Timeout", CheckTimeout.ToString("c", CultureInfo.InvariantCulture))
            .UseSetting("HealthKit:Checks:postgres:DegradedThreshold", "00:00:01.500")
            .UseSetting("HealthKit:Endpoints:Health:Deadline", "00:00:03")
            .UseSetting("HealthKit:Endpoints:Ready:Deadline", "00:00:03")

            // Memory use is the machine's, not PostgreSQL's: left on, a busy machine could make readiness Degraded.
            .UseSetting("HealthKit:Checks:memory:Enabled", "false")
            .UseSetting("HealthKit:Lifecycle:DrainDelay", "00:00:00")

            // The publisher is fed from HealthKit's runs, so that it watches what the endpoints answer.
            .UseSetting("HealthKit:ReplaceHealthCheckService", "true")
            .ConfigureLogging(logging => logging.ClearProviders())
            .ConfigureServices(services =>
            {
                services.AddSingleton<IHealthCheckPublisher>(publisher);
                services.Configure<HealthCheckPublisherOptions>(o =>
                {
                    o.Delay = TimeSpan.Zero;
                    o.Period = PublisherPeriod;
                });
                services.AddOpenTelemetry()
                    .WithMetrics(m => m
                        .AddMeter(HealthKitTelemetry.MeterName)
                        .AddInMemoryExporter(exports, o => o.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)ExportInterval.TotalMilliseconds))
                    .WithTracing(t => t.AddSource(HealthKitTelemetry.ActivitySourceName).AddInMemoryExporter(spans));
            }));
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var watch = new Watch(client, exports, () => Now);

        await watch.UntilAsync(HealthStatus.Healthy, Last(publisher.Check), Last(publisher.Ready), LastSpan(spans));
        await watch.HoldAsync(HealthStatus.Healthy);

        // A first result that is Healthy is not a change: nothing has been posted about postgres or readiness yet. (The
        // startup check may have been posted going from Unhealthy to Healthy: a publisher report can run before the host
        // has finished starting, and readiness did fail until then.)
        Assert.DoesNotContain(webhook.Received, p => p.Name is "postgres" or "Ready");

        var stopping = Now;
        await server.Cluster.StopAsync();
        var stopped = Now;
        await watch.UntilAsync(HealthStatus.Unhealthy, [.. Others(publisher, spans, webhook)]);
        await watch.HoldAsync(HealthStatus.Unhealthy);

        var starting = Now;
        await server.Cluster.StartAsync();
        var started = Now;
        await watch.UntilAsync(HealthStatus.Healthy, [.. Others(publisher, spans, webhook)]);
        await watch.HoldAsync(HealthStatus.Healthy);

        Assert.Empty(publisher.Inconsistencies);
        var timelines = new List<(string Watcher, string Subject, TimeSpan Interval, IReadOnlyList<(TimeSpan At, HealthStatus Status)> Changes)>
        {
            ("endpoints", "postgres", PollInterval, Changes(watch.Endpoint.Check)),
            ("endpoints", "ready", PollInterval, Changes(watch.Endpoint.Ready)),
            ("prometheus", "postgres", PollInterval + ScrapeCache, Changes(watch.Prometheus.Check)),
            ("prometheus", "ready", PollInterval + ScrapeCache, Changes(watch.Prometheus.Ready)),
            ("opentelemetry metrics", "postgres", ExportInterval + PollInterval, Changes(watch.OpenTelemetry.Check)),
            ("opentelemetry metrics", "ready", ExportInterval + PollInterval, Changes(watch.OpenTelemetry.Ready)),
            ("opentelemetry spans", "postgres", TimeSpan.Zero, Changes(SpanTimeline(spans))),
            ("publisher", "postgres", PublisherPeriod, Changes(publisher.Check)),
            ("publisher", "ready", PublisherPeriod, Changes(publisher.Ready)),
            ("webhook", "postgres", TimeSpan.Zero, webhook.Changes("check", "postgres")),
            ("webhook", "ready", TimeSpan.Zero, webhook.Changes("endpoint", "Ready")),
        };

        foreach (var (watcher, subject, interval, seen) in timelines)
        {
            // Readiness fails until the host has started (the startup check gates it), and a publisher report or a
            // metrics export can come before that: a ready timeline may open Unhealthy, turning Healthy before the outage.
            var changes = subject == "ready" && seen.Count > 1 && seen[0].Status == HealthStatus.Unhealthy && seen[1].At < stopping
                ? [.. seen.Skip(1)]
                : seen;
            var what = $"{watcher} on {subject}: {string.Join(", ", changes.Select(c => $"{c.Status} at {c.At.TotalSeconds:0.000} s"))}" +
                $" (PostgreSQL stopped {stopping.TotalSeconds:0.000}-{stopped.TotalSeconds:0.000} s, started {starting.TotalSeconds:0.000}-{started.TotalSeconds:0.000} s)";
            TestContext.Current.TestOutputHelper?.WriteLine(what);
            Assert.True(changes.Select(c => c.Status).SequenceEqual(UpDownUp), what);

            // A change reaches the engine within one TTL plus one run; a watcher sees it at its next look.
            var bound = Ttl + CheckTimeout + interval + Slack;
            Assert.InRange(changes[1].At, stopping, stopped + bound);
            Assert.InRange(changes[2].At, starting, started + bound);
        }

        // Endpoint probes and the publisher all asked for the postgres check; HealthKit ran it at most once per TTL. A
        // scrape starts no run.
        var scrape = await watch.ScrapeAsync();
        var runs = PostgresRuns(scrape);
        var elapsed = Now;
        var asked = watch.EndpointRequests + publisher.Reports;
        TestContext.Current.TestOutputHelper?.WriteLine($"{asked} requests and reports, {runs} runs in {elapsed}");
        Assert.InRange(runs, 3, (long)(elapsed / Ttl) + 1);
        Assert.True(asked > 2 * runs, $"{asked} requests and reports asked for postgres, {runs} runs in {elapsed}");

        // PostgreSQL's own count agrees: one row per run that reached it (the healthy ones; the outage refused the rest),
        // and one span per run. No watcher ran the check behind HealthKit's back, and no two runs came within a TTL.
        // Runs go on (the publisher asks every period), so the three counts are compared until one moment finds them equal.
        var counts = (Runs: 0L, Spans: 0L, Healthy: 0L, Rows: 0L);
        var comparing = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(comparing) < TimeSpan.FromSeconds(10))
        {
            var now = await watch.ScrapeAsync();
            var rows = await server.Cluster.QueryScalarAsync<long>("SELECT count(*) FROM healthkit_runs");
            counts = (PostgresRuns(now), SpanTimeline(spans).Count, PostgresRuns(now, "healthy"), rows);
            if (counts.Runs == counts.Spans && counts.Healthy == counts.Rows)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, TestContext.Current.CancellationToken);
        }

        Assert.Equal(counts.Runs, counts.Spans);
        Assert.True(counts.Healthy == counts.Rows, $"PostgreSQL served {counts.Rows} runs; HealthKit counted {counts.Healthy} healthy runs");
        var closest = TimeSpan.FromSeconds(await server.Cluster.QueryScalarAsync<double>(
            "SELECT coalesce(extract(epoch FROM min(at - previous)), 3600)::float8 " +
            "FROM (SELECT at, lag(at) OVER (ORDER BY at) AS previous FROM healthkit_runs) r WHERE previous IS NOT NULL"));

        TestContext.Current.TestOutputHelper?.WriteLine($"runs {counts.Runs}, spans {counts.Spans}, healthy runs {counts.Healthy}, rows {counts.Rows}, closest rows {closest}");

        // Not the whole TTL: the next run starts a TTL after the previous result, and the row is written a little way
        // into each run.
        Assert.True(closest >= Ttl / 2, $"two runs reached PostgreSQL {closest} apart; the TTL is {Ttl}");
    }

    public void Dispose() => _database.Dispose();

    private static Func<HealthStatus?> Last(ConcurrentQueue<(TimeSpan At, HealthStatus Status)> seen) =>
        () => seen.IsEmpty ? null : seen.Last().Status;

    private static Func<HealthStatus?> LastSpan(Stamped<Activity> spans) =>
        () => SpanTimeline(spans) is { Count: > 0 } timeline ? timeline[^1].Status : null;

    /// <summary>The watchers that report by themselves, each as its latest status for postgres or readiness.</summary>
    private static IEnumerable<Func<HealthStatus?>> Others(TimelinePublisher publisher, Stamped<Activity> spans, WebhookReceiver webhook)
    {
        yield return Last(publisher.Check);
        yield return Last(publisher.Ready);
        yield return LastSpan(spans);
        yield return () => webhook.Received.LastOrDefault(p => p.Kind == "check" && p.Name == "postgres")?.Status;
        yield return () => webhook.Received.LastOrDefault(p => p.Kind == "endpoint" && p.Name == "Ready")?.Status;
    }

    /// <summary>The first observation of each new status, in order: the changes a watcher saw.</summary>
    private static List<(TimeSpan At, HealthStatus Status)> Changes(IEnumerable<(TimeSpan At, HealthStatus Status)> seen)
    {
        var changes = new List<(TimeSpan At, HealthStatus Status)>();
        foreach (var observation in seen)
        {
            if (changes.Count == 0 || changes[^1].Status != observation.Status)
            {
                changes.Add(observation);
            }
        }

        return changes;
    }

    /// <summary>The postgres check's spans in the order they ended, each with the status the endpoints then reported.</summary>
    private static List<(TimeSpan At, HealthStatus Status)> SpanTimeline(Stamped<Activity> spans) =>
        [.. spans.Snapshot()
            .Where(s => s.Item.Source.Name == HealthKitTelemetry.ActivitySourceName && (string?)s.Item.GetTagItem("healthkit.check.name") == "postgres")
            .Select(s => (s.At, ParseStatus((string)s.Item.GetTagItem("healthkit.status")!)))];

    /// <summary>
    /// Runs of the postgres check that reached PostgreSQL: every outcome but <c>abandoned</c>, which counts a request that
    /// found the previous run still going and so started none.
    /// </summary>
    /// <param name="scrape">The scrape to read.</param>
    /// <param name="outcome">Only this outcome, if given.</param>
    private static long PostgresRuns(PrometheusScrape scrape, string? outcome = null) => (long)scrape.Sum(
        "healthkit_check_runs_total",
        labels => labels.GetValueOrDefault("healthkit_check_name") == "postgres"
            && labels.GetValueOrDefault("healthkit_check_outcome") is { } found && found != "abandoned" && (outcome is null || found == outcome));

    private static HealthStatus ParseStatus(string status) => Enum.Parse<HealthStatus>(status, ignoreCase: true);

    /// <summary>What one watcher saw of the postgres check and of readiness, each observation with its time.</summary>
    private sealed class Timeline
    {
        public ConcurrentQueue<(TimeSpan At, HealthStatus Status)> Check { get; } = new();

        public ConcurrentQueue<(TimeSpan At, HealthStatus Status)> Ready { get; } = new();
    }

    /// <summary>
    /// The watchers this test polls: the endpoints (which start runs, as probes do), the Prometheus scrape and the
    /// latest OpenTelemetry export (which start none).
    /// </summary>
    private sealed class Watch(HttpClient client, Stamped<MetricSnapshot> exports, Func<TimeSpan> now)
    {
        private int _endpointRequests;

        public Timeline Endpoint { get; } = new();

        public Timeline Prometheus { get; } = new();

        public Timeline OpenTelemetry { get; } = new();

        public int EndpointRequests => Volatile.Read(ref _endpointRequests);

        /// <summary>
        /// Polls until the polled watchers, and the <paramref name="others"/> that report by themselves, all show
        /// <paramref name="status"/> for postgres and readiness.
        /// </summary>
        public async Task UntilAsync(HealthStatus status, params Func<HealthStatus?>[] others)
        {
            var started = TimeProvider.System.GetTimestamp();
            while (true)
            {
                await LookAsync();
                var seen = new[] { Endpoint, Prometheus, OpenTelemetry }.All(t => Last(t.Check) == status && Last(t.Ready) == status);
                if (seen && Array.TrueForAll(others, other => other() == status))
                {
                    return;
                }

                Assert.True(
                    TimeProvider.System.GetElapsedTime(started) < Limit,
                    $"not every watcher saw {status} within {Limit}: endpoints {Last(Endpoint.Check)}/{Last(Endpoint.Ready)}, " +
                    $"prometheus {Last(Prometheus.Check)}/{Last(Prometheus.Ready)}, opentelemetry {Last(OpenTelemetry.Check)}/{Last(OpenTelemetry.Ready)}, " +
                    $"the others {string.Join('/', others.Select(o => o()))}");
                await Task.Delay(PollInterval, TimeProvider.System, TestContext.Current.CancellationToken);
            }
        }

        /// <summary>Keeps polling for <see cref="Hold"/>; the polled watchers must keep showing <paramref name="status"/>.</summary>
        public async Task HoldAsync(HealthStatus status)
        {
            var started = TimeProvider.System.GetTimestamp();
            while (TimeProvider.System.GetElapsedTime(started) < Hold)
            {
                await LookAsync();
                foreach (var timeline in new[] { Endpoint, Prometheus, OpenTelemetry })
                {
                    Assert.Equal(status, Last(timeline.Check));
                    Assert.Equal(status, Last(timeline.Ready));
                }

                await Task.Delay(PollInterval, TimeProvider.System, TestContext.Current.CancellationToken);
            }
        }

        public async Task<PrometheusScrape> ScrapeAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.TryAddWithoutValidation("Accept", "text/plain; version=0.0.4");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return PrometheusScrape.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        private static HealthStatus? Last(ConcurrentQueue<(TimeSpan At, HealthStatus Status)> seen) =>
            seen.IsEmpty ? null : seen.Last().Status;

        private async Task LookAsync()
        {
            Endpoint.Check.Enqueue((now(), await EndpointStatusAsync("/health/checks/postgres")));
            Endpoint.Ready.Enqueue((now(), await EndpointStatusAsync("/health/ready")));

            var scrape = await ScrapeAsync();
            var at = now();
            Record(Prometheus.Check, at, scrape.Current("healthkit_check_status", "healthkit_check_name", "postgres"));
            Record(Prometheus.Ready, at, scrape.Current("healthkit_endpoint_status", "healthkit_endpoint_name", "ready"));

            foreach (var (exported, snapshot) in exports.TakeNew())
            {
                if (snapshot.Name == "healthkit.check.status")
                {
                    Record(OpenTelemetry.Check, exported, Current(snapshot, "healthkit.check.name", "postgres"));
                }
                else if (snapshot.Name == "healthkit.endpoint.status")
                {
                    Record(OpenTelemetry.Ready, exported, Current(snapshot, "healthkit.endpoint.name", "ready"));
                }
            }
        }

        private static void Record(ConcurrentQueue<(TimeSpan At, HealthStatus Status)> seen, TimeSpan at, HealthStatus? status)
        {
            if (status is { } current)
            {
                seen.Enqueue((at, current));
            }
        }

        /// <summary>The status whose series is 1 for this check or endpoint in an exported gauge, if there is one.</summary>
        private static HealthStatus? Current(MetricSnapshot snapshot, string key, string name)
        {
            HealthStatus? current = null;
            foreach (var point in snapshot.MetricPoints)
            {
                string? subject = null;
                string? status = null;
                foreach (var tag in point.Tags)
                {
                    if (tag.Key == key)
                    {
                        subject = tag.Value as string;
                    }
                    else if (tag.Key == "healthkit.status")
                    {
                        status = tag.Value as string;
                    }
                }

                var value = snapshot.MetricType == MetricType.LongGauge ? point.GetGaugeLastValueLong() : point.GetGaugeLastValueDouble();
                if (subject == name && status is not null && value == 1)
                {
                    Assert.Null(current);
                    current = ParseStatus(status);
                }
            }

            return current;
        }

        private async Task<HealthStatus> EndpointStatusAsync(string path)
        {
            Interlocked.Increment(ref _endpointRequests);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            var status = ParseStatus(JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!);
            Assert.Equal(status == HealthStatus.Unhealthy ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, response.StatusCode);
            return status;
        }
    }

    /// <summary>
    /// A publisher that reads <see cref="HealthReport"/> the way Xabaril's and Microsoft's do (overall status, total
    /// duration, entries with their status and tags) and keeps the postgres entry's status and readiness: the worst
    /// status among the entries tagged <c>ready</c>, as <c>/health/ready</c> decides.
    /// </summary>
    private sealed class TimelinePublisher(Func<TimeSpan> now) : IHealthCheckPublisher
    {
        private int _reports;

        public ConcurrentQueue<(TimeSpan At, HealthStatus Status)> Check { get; } = new();

        public ConcurrentQueue<(TimeSpan At, HealthStatus Status)> Ready { get; } = new();

        /// <summary>
        /// Reports whose overall status or total duration disagreed with their entries. Kept, not asserted here: the
        /// publisher service would catch an assertion's exception and the test would never see it.
        /// </summary>
        public ConcurrentQueue<string> Inconsistencies { get; } = new();

        public int Reports => Volatile.Read(ref _reports);

        public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
        {
            var at = now();
            Interlocked.Increment(ref _reports);
            var worst = report.Entries.Values.Min(e => e.Status);
            if (report.Status != worst || report.TotalDuration < TimeSpan.Zero)
            {
                Inconsistencies.Enqueue($"status {report.Status}, worst entry {worst}, total duration {report.TotalDuration}");
            }

            if (report.Entries.TryGetValue("postgres", out var postgres))
            {
                Check.Enqueue((at, postgres.Status));
            }

            Ready.Enqueue((at, report.Entries.Values.Where(e => e.Tags.Contains(HealthKitTags.Ready)).Min(e => e.Status)));
            return Task.CompletedTask;
        }
    }

    /// <summary>The webhook's receiving end: Kestrel on 127.0.0.1, port 0, recording each post and when it came.</summary>
    private sealed class WebhookReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private WebhookReceiver(WebApplication app) => _app = app;

        public ConcurrentQueue<Post> Received { get; } = new();

        public Uri Url { get; private set; } = null!;

        public static async Task<WebhookReceiver> StartAsync(Func<TimeSpan> now)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new WebhookReceiver(app);
            app.MapPost("/hooks/health", async (HttpContext context) =>
            {
                var at = now();
                using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                var root = body.RootElement;
                receiver.Received.Enqueue(new Post(
                    at,
                    root.GetProperty("kind").GetString()!,
                    root.GetProperty("name").GetString()!,
                    root.GetProperty("previousStatus").GetString() is { } previous ? ParseStatus(previous) : null,
                    ParseStatus(root.GetProperty("status").GetString()!)));
                return Results.NoContent();
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            receiver.Url = new Uri(address + "/hooks/health");
            return receiver;
        }

        /// <summary>The statuses one subject went through, as its posts tell: the first one's previous status, then each new one.</summary>
        public List<(TimeSpan At, HealthStatus Status)> Changes(string kind, string name)
        {
            var posts = Received.Where(p => p.Kind == kind && p.Name == name).ToList();
            if (posts.Count == 0)
            {
                return [];
            }

            // Each post must continue from the one before it, or a change was lost or repeated.
            for (var i = 1; i < posts.Count; i++)
            {
                Assert.Equal(posts[i - 1].Status, posts[i].Previous);
            }

            return [(TimeSpan.Zero, posts[0].Previous ?? posts[0].Status), .. posts.Select(p => (p.At, p.Status))];
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        public sealed record Post(TimeSpan At, string Kind, string Name, HealthStatus? Previous, HealthStatus Status);
    }

    /// <summary>
    /// A collection for OpenTelemetry's in-memory exporter that the test can read while the SDK writes to it, each item
    /// stamped with when it was exported. It keeps everything: the history is what the test checks.
    /// </summary>
    private sealed class Stamped<T>(Func<TimeSpan> now) : ICollection<T>
    {
        private readonly List<(TimeSpan At, T Item)> _items = [];
        private int _taken;

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public void Add(T item)
        {
            lock (_items)
            {
                _items.Add((now(), item));
            }
        }

        public List<(TimeSpan At, T Item)> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        /// <summary>The items added since the last call.</summary>
        public List<(TimeSpan At, T Item)> TakeNew()
        {
            lock (_items)
            {
                var taken = _items.GetRange(_taken, _items.Count - _taken);
                _taken = _items.Count;
                return taken;
            }
        }

        // The exporter may clear what it has handed over; this collection is a record, so it keeps it.
        public void Clear()
        {
        }

        public bool Contains(T item) => Snapshot().Exists(i => EqualityComparer<T>.Default.Equals(i.Item, item));

        public void CopyTo(T[] array, int arrayIndex) => Snapshot().Select(i => i.Item).ToList().CopyTo(array, arrayIndex);

        public bool Remove(T item) => throw new NotSupportedException();

        public IEnumerator<T> GetEnumerator() => Snapshot().Select(i => i.Item).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
