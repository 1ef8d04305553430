using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HealthKit.Tests.Infrastructure;
using HealthKit.Tests.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Engine;

/// <summary>
/// A seeded, randomized test of the engine's promises across combinations of settings, check behaviours and events.
/// Each episode starts a real app (TestServer, FakeTimeProvider) with random defaults, per-check policies, deadlines
/// and startup tasks, then interleaves concurrent requests on every endpoint, clock advances, behaviour changes,
/// MarkNotReady/MarkReady, startup tasks finishing or failing, configuration reloads (new defaults and per-check policies,
/// checks turned off and on, made non-critical, and invalid reloads that must change nothing), and a stop. After every
/// step it checks the invariants.
/// </summary>
/// <remarks>
/// <c>HEALTHKIT_MODEL_SEED</c> replays one seed; <c>HEALTHKIT_MODEL_STEPS</c> changes the number of steps (default
/// 10,000). A failure names the seed, the episode and the step, with the steps that led there.
/// </remarks>
[Collection(nameof(EngineModelTests))]
[CollectionDefinition(nameof(EngineModelTests), DisableParallelization = true)]
public sealed class EngineModelTests
{
    private const string Secret = "Sup3rS3cret-7f3a";
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(250);

    [Fact]
    public async Task Engine_RandomSettingsBehavioursAndEvents_KeepEveryPromise()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("HEALTHKIT_MODEL_SEED"), CultureInfo.InvariantCulture, out var given)
            ? given
            : Random.Shared.Next();
        var steps = int.TryParse(Environment.GetEnvironmentVariable("HEALTHKIT_MODEL_STEPS"), CultureInfo.InvariantCulture, out var count)
            ? count
            : 10_000;
        TestContext.Current.TestOutputHelper?.WriteLine($"HEALTHKIT_MODEL_SEED={seed} HEALTHKIT_MODEL_STEPS={steps}");

        var random = new Random(seed);
        var done = 0;
        var episode = 0;
        while (done < steps)
        {
            var length = Math.Min(steps - done, random.Next(50, 300));
            var model = new Episode(random.Next(), seed, episode++);
            try
            {
                await model.RunAsync(length);
            }
            catch (Exception ex) when (ex is not ModelViolation)
            {
                throw new ModelViolation(model.Describe($"threw {ex.GetType().Name}: {ex.Message}"), ex);
            }

            done += length;
        }
    }

    private enum Behaviour
    {
        Healthy,
        Degraded,
        Unhealthy,
        Throws,
        UnreadableData,
        SecretData,
        HangHonouringToken,
        HangIgnoringToken,
        Slow,
    }

    private sealed class ModelViolation(string message, Exception? inner = null) : Exception(message, inner);

    /// <summary>One app under test and what the model knows it should answer.</summary>
    private sealed class Episode(int episodeSeed, int seed, int number)
    {
        private static readonly string[] ProbePaths = ["/health", "/health/live", "/health/ready", "/health/startup"];

        private readonly Random _random = new(episodeSeed);
        private readonly FakeTimeProvider _time = new();
        private readonly TestLogSink _logs = new();
        private readonly List<ModelCheck> _checks = [];
        private readonly List<TaskCompletionSource> _tasks = [];
        private readonly Queue<string> _trace = new();
        private readonly Dictionary<string, TimeSpan> _deadlines = new(StringComparer.Ordinal);
        private HealthCheckPolicy _defaults = new();
        private HealthKit.Engine.HealthEngine? _engine;
        private IConfigurationRoot? _configuration;
        private DateTimeOffset _reloadedAt = DateTimeOffset.MinValue;
        private int _reloads;
        private int _rejectedReloads;
        private readonly List<string> _staleBackground = [];
        private bool _notReady;
        private bool _stopping;
        private int _tasksFailed;
        private int _step;

        public async Task RunAsync(int steps)
        {
            var app = await StartAsync();
            await using (app)
            {
                var client = app.GetTestClient();
                _engine = app.Services.GetRequiredService<HealthKit.Engine.HealthEngine>();
                _configuration = (IConfigurationRoot)app.Configuration;
                var availability = app.Services.GetRequiredService<HealthKitAvailability>();
                var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
                using var meter = new MeterCapture(app.Services);
                try
                {
                    for (_step = 0; _step < steps; _step++)
                    {
                        // Once the drain is over the host stops its services, as a real server stops taking requests;
                        // the episode ends there.
                        if (_stoppedAt is { } stoppedAt && _time.GetUtcNow() - stoppedAt >= DrainDelay)
                        {
                            break;
                        }

                        await StepAsync(client, availability, lifetime);
                        VerifyScrape(meter);
                        VerifyEndpointStatus(meter);
                        VerifyHistory();
                    }
                }
                finally
                {
                    foreach (var check in _checks)
                    {
                        check.ReleaseAll();
                    }

                    foreach (var task in _tasks)
                    {
                        task.TrySetResult();
                    }
                }

                AssertNoSecretInLogs();
                await AssertListenerSawExactlyTheLoggedChangesAsync();

                // Once the drain is over the host stops its services, the notifier among them: it delivers what it has
                // until the host's shutdown token fires and takes nothing after. Convergence is a promise about a running
                // application.
                if (_stoppedAt is not { } drained || _time.GetUtcNow() - drained < DrainDelay)
                {
                    await AssertFlakyListenerConvergedAsync();
                }

                // The drain waits on fake time: keep the clock moving until the host has stopped.
                var stop = app.StopAsync(CancellationToken.None);
                while (!stop.IsCompleted)
                {
                    _time.Advance(TimeSpan.FromMilliseconds(100));
                    await Task.WhenAny(stop, Task.Delay(TimeSpan.FromMilliseconds(1), TestContext.Current.CancellationToken));
                }

                await stop;
            }
        }

        public string Describe(string what)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"Model violation (replay with HEALTHKIT_MODEL_SEED={seed}), episode {number}, step {_step}: {what}\n");
            text.Append(CultureInfo.InvariantCulture, $"defaults: {Describe(_defaults)}; {_reloads} reloads, {_rejectedReloads} rejected, the last valid at {(_reloadedAt == DateTimeOffset.MinValue ? "-" : (_reloadedAt - FakeStart).TotalMilliseconds.ToString(CultureInfo.InvariantCulture))} ms\n");
            foreach (var check in _checks)
            {
                text.Append(CultureInfo.InvariantCulture, $"check {check.Name} [{string.Join(",", check.Tags)}]: {Describe(check.Policy)}; entered or left {check.Transitions} times, now {check.Behaviour}\n");
            }

            if (_engine is not null)
            {
                foreach (var slot in _engine.Slots)
                {
                    var last = slot.Last;
                    text.Append(CultureInfo.InvariantCulture, $"slot {slot.Name}: {slot.RunState} last={last?.Status} '{last?.Description}' at {(last is null ? "-" : (last.ProducedAt - FakeStart).TotalMilliseconds.ToString(CultureInfo.InvariantCulture))} ms\n");
                }
            }

            text.Append("last steps:\n");
            foreach (var line in _trace)
            {
                text.Append("  ").Append(line).Append('\n');
            }

            return text.ToString();
        }

        private static string Describe(HealthCheckPolicy p) =>
            $"timeout={p.Timeout} ttl={p.CacheTtl} failureTtl={p.FailureCacheTtl} mode={p.Mode} period={p.Period} afterFailures={p.UnhealthyAfterFailures} afterDuration={p.UnhealthyAfterDuration} enabled={p.Enabled} critical={p.Critical}";

        private void Trace(string line)
        {
            _trace.Enqueue($"{_step}: t={(_time.GetUtcNow() - FakeStart).TotalMilliseconds:0} ms {line}");
            if (_trace.Count > 25)
            {
                _trace.Dequeue();
            }
        }

        private static readonly DateTimeOffset FakeStart = new FakeTimeProvider().GetUtcNow();

        private T Pick<T>(params T[] values) => values[_random.Next(values.Length)];

        private HealthCheckPolicy RandomPolicy(bool isDefaults)
        {
            TimeSpan? Maybe(params TimeSpan[] values) => !isDefaults && _random.Next(3) == 0 ? null : Pick(values);
            var policy = new HealthCheckPolicy
            {
                Timeout = Maybe(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(700)),
                CacheTtl = Maybe(TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)),
                FailureCacheTtl = Maybe(TimeSpan.Zero, TimeSpan.FromSeconds(1)),
                Mode = _random.Next(4) == 0 ? HealthCheckMode.Background : (isDefaults || _random.Next(2) == 0 ? HealthCheckMode.OnDemand : null),
                Period = _random.Next(2) == 0 ? null : Pick(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)),
                UnhealthyAfterFailures = _random.Next(2) == 0 ? null : Pick(2, 3),
                UnhealthyAfterDuration = _random.Next(3) == 0 ? Pick(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(20)) : null,
            };

            // A Background check may outlast every deadline (LongBackgroundTimeout): only a check's own Mode makes it so,
            // as a reload may turn the defaults back to on-demand.
            if (!isDefaults && policy.Mode == HealthCheckMode.Background && _random.Next(2) == 0)
            {
                policy.Timeout = LongBackgroundTimeout;
            }

            return policy;
        }

        private async Task<WebApplication> StartAsync()
        {
            _defaults = RandomPolicy(isDefaults: true);
            var checkCount = _random.Next(1, 5);
            for (var i = 0; i < checkCount; i++)
            {
                var tags = _random.Next(3) == 0 ? Array.Empty<string>() : [HealthKitTags.Ready];
                _checks.Add(new ModelCheck($"c{i}", tags, _random.Next(3) == 0 ? new HealthCheckPolicy() : RandomPolicy(isDefaults: false), _time)
                {
                    Behaviour = Pick(Behaviour.Healthy, Behaviour.Healthy, Behaviour.Degraded, Behaviour.Unhealthy, Behaviour.Slow),
                });
            }

            var taskCount = _random.Next(3);
            for (var i = 0; i < taskCount; i++)
            {
                _tasks.Add(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }

            foreach (var path in ProbePaths)
            {
                _deadlines[path] = Pick(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(2));
            }

            var readinessFailDelay = _readinessFailDelay = _random.Next(4) == 0 ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.WebHost.UseTestServer();
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = DrainDelay.ToString("c", CultureInfo.InvariantCulture) });
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(_logs);
            builder.Services.AddSingleton<TimeProvider>(_time);
            var health = builder.Services.AddHealthKit(o =>
            {
                Copy(_defaults, o.Defaults);
                o.Lifecycle.ReadinessFailDelay = readinessFailDelay;
                o.Endpoints.Health.DetailLevel = HealthDetailLevel.Full;
                o.Endpoints.Health.Deadline = _deadlines["/health"] = Pick(TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(2));
                o.Endpoints.Live.Deadline = _deadlines["/health/live"];
                o.Endpoints.Ready.Deadline = _deadlines["/health/ready"];
                o.Endpoints.Startup.Deadline = _deadlines["/health/startup"];
                o.Endpoints.Ready.DetailLevel = Pick(HealthDetailLevel.Status, HealthDetailLevel.Components, HealthDetailLevel.Full);
                o.Endpoints.Live.DetailLevel = Pick(HealthDetailLevel.Status, HealthDetailLevel.Full);
                o.Endpoints.Startup.DetailLevel = Pick(HealthDetailLevel.Status, HealthDetailLevel.Full);
            });
            foreach (var check in _checks)
            {
                health.AddCheck(check.Name, check, tags: check.Tags);
                health.ConfigureCheck(check.Name, p => Copy(check.Policy, p));
            }

            for (var i = 0; i < _tasks.Count; i++)
            {
                var task = _tasks[i];
                health.AddStartupTask($"task{i}", (_, _) => task.Task);
            }

            health.Services.AddSingleton<IHealthStatusListener>(_listener);
            health.Services.AddSingleton<IHealthStatusListener>(_flaky);

            var app = builder.Build();
            app.MapHealthKit();
            await app.StartAsync(TestContext.Current.CancellationToken);
            Trace($"started: {_checks.Count} checks, {_tasks.Count} startup tasks, readinessFailDelay={readinessFailDelay}");
            return app;
        }

        private static void Copy(HealthCheckPolicy from, HealthCheckPolicy to)
        {
            to.Timeout = from.Timeout ?? to.Timeout;
            to.CacheTtl = from.CacheTtl ?? to.CacheTtl;
            to.FailureCacheTtl = from.FailureCacheTtl ?? to.FailureCacheTtl;
            to.Mode = from.Mode ?? to.Mode;
            to.Period = from.Period ?? to.Period;
            to.UnhealthyAfterFailures = from.UnhealthyAfterFailures ?? to.UnhealthyAfterFailures;
            to.UnhealthyAfterDuration = from.UnhealthyAfterDuration ?? to.UnhealthyAfterDuration;
            to.Enabled = from.Enabled ?? to.Enabled;
            to.Critical = from.Critical ?? to.Critical;
        }

        /// <summary>Replaces every property of <paramref name="to"/>, unset ones included.</summary>
        private static void Overwrite(HealthCheckPolicy from, HealthCheckPolicy to)
        {
            to.Timeout = from.Timeout;
            to.CacheTtl = from.CacheTtl;
            to.FailureCacheTtl = from.FailureCacheTtl;
            to.Mode = from.Mode;
            to.Period = from.Period;
            to.UnhealthyAfterFailures = from.UnhealthyAfterFailures;
            to.UnhealthyAfterDuration = from.UnhealthyAfterDuration;
            to.Enabled = from.Enabled;
            to.Critical = from.Critical;
        }

        /// <summary>
        /// Reloads the configuration. A valid reload draws new defaults or new policies for some checks (turning checks
        /// off and on, and making them non-critical); the options' configure actions read the model's policies, so the
        /// reload re-reads them. An invalid reload sets a value that cannot convert beside a valid-looking policy change,
        /// and must change no slot's policy at all.
        /// </summary>
        private async Task ReloadAsync()
        {
            _reloads++;
            var slots = _engine!.Slots;
            var before = slots.Select(slot => slot.Policy).ToArray();
            if (_random.Next(5) == 0)
            {
                var check = Pick([.. _checks]);
                var key = $"HealthKit:Checks:{check.Name}:{Pick("Timeout", "Critical", "UnhealthyAfterFailures")}";
                Trace($"invalid reload: {key}=banana");
                _configuration![key] = "banana";
                _configuration.Reload();
                _configuration[key] = null;
                _rejectedReloads++;
                for (var i = 0; i < slots.Length; i++)
                {
                    if (!ReferenceEquals(before[i], slots[i].Policy))
                    {
                        throw new ModelViolation(Describe($"an invalid reload changed the policy of {slots[i].Name}"));
                    }
                }

                return;
            }

            if (_random.Next(4) == 0)
            {
                _defaults = RandomPolicy(isDefaults: true);
                Trace($"reload: defaults {Describe(_defaults)}");
            }

            foreach (var check in _checks)
            {
                if (_random.Next(2) == 0)
                {
                    var policy = RandomPolicy(isDefaults: false);
                    policy.Enabled = _random.Next(5) == 0 ? false : Pick<bool?>(null, true);
                    policy.Critical = _random.Next(3) == 0 ? false : Pick<bool?>(null, true);
                    Overwrite(policy, check.Policy);
                    Trace($"reload: {check.Name} {Describe(policy)}");
                }
            }

            _configuration!.Reload();
            for (var i = 0; i < slots.Length; i++)
            {
                if (slots[i].IsLifecycle && !ReferenceEquals(before[i], slots[i].Policy))
                {
                    throw new ModelViolation(Describe($"a reload changed the fixed policy of the lifecycle check {slots[i].Name}"));
                }
            }

            foreach (var check in _checks)
            {
                var policy = _engine.Find(check.Name)!.Policy;
                if (policy.Enabled != (check.Policy.Enabled ?? true) || policy.Critical != (check.Policy.Critical ?? true))
                {
                    throw new ModelViolation(Describe($"after a valid reload {check.Name} is enabled={policy.Enabled} critical={policy.Critical}, not what the configuration says"));
                }
            }

            _reloadedAt = _time.GetUtcNow();

            // Whatever was about to start has started by now; from here on, a disabled check must never be entered.
            await SettleAsync();
            foreach (var check in _checks)
            {
                check.EnteredWhenDisabled = check.Policy.Enabled == false ? check.Entered : null;
            }
        }

        private async Task StepAsync(HttpClient client, HealthKitAvailability availability, IHostApplicationLifetime lifetime)
        {
            if (!_stopping && _random.Next(100) < 4)
            {
                await ReloadAsync();
                return;
            }

            var roll = _random.Next(100);
            if (roll < 50)
            {
                await RequestsAsync(client, availability);
            }
            else if (roll < 68)
            {
                var by = Pick(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(12));
                Trace($"advance {by.TotalMilliseconds} ms");
                await AdvanceSettledAsync(by);
            }
            else if (roll < 84)
            {
                var check = Pick([.. _checks]);
                check.Behaviour = (Behaviour)_random.Next(Enum.GetValues<Behaviour>().Length);
                Trace($"{check.Name} now {check.Behaviour}");
            }
            else if (roll < 89)
            {
                var check = Pick([.. _checks]);
                Trace($"{check.Name} hung runs released");
                check.ReleaseAll();
                await SettleAsync();
            }
            else if (roll < 94)
            {
                _notReady = !_notReady;
                Trace(_notReady ? "MarkNotReady" : "MarkReady");
                if (_notReady)
                {
                    availability.MarkNotReady("maintenance");
                }
                else
                {
                    availability.MarkReady();
                }
            }
            else if (roll < 99)
            {
                // Once the host stops, startup tasks are cancelled; finishing them then means nothing.
                if (!_stopping && _tasks.FirstOrDefault(t => !t.Task.IsCompleted) is { } task)
                {
                    var fail = _random.Next(4) == 0;
                    Trace(fail ? "startup task fails" : "startup task completes");
                    if (fail)
                    {
                        _tasksFailed++;
                        task.SetException(new InvalidOperationException("warmup failed: Password=" + Secret));
                    }
                    else
                    {
                        task.SetResult();
                    }

                    await Eventually.True(() => StartupSettled(availability));
                }
            }
            else if (!_stopping)
            {
                Trace("StopApplication");
                _stopping = true;
                _stoppedAt = _time.GetUtcNow();
                lifetime.StopApplication();
                await Eventually.True(() => availability.IsStopping);
            }
        }

        private bool StartupSettled(HealthKitAvailability availability) =>
            _tasksFailed > 0 || availability.IsStarted == _tasks.All(t => t.Task.IsCompletedSuccessfully);

        private async Task RequestsAsync(HttpClient client, HealthKitAvailability availability)
        {
            var count = _random.Next(1, 6);
            var paths = new string[count];
            for (var i = 0; i < count; i++)
            {
                paths[i] = _random.Next(6) == 0 ? "/health/checks/" + Pick([.. _checks]).Name : Pick(ProbePaths);
            }

            Trace("GET " + string.Join(" ", paths));
            var firedAt = _time.GetUtcNow();
            var pending = paths.Select(async path =>
            {
                var response = await GetAsync(client, path);
                Interlocked.Increment(ref _answered);
                return response;
            }).ToArray();
            var all = Task.WhenAll(pending);
            var longest = paths.Max(path => path.StartsWith("/health/checks/", StringComparison.Ordinal) ? _deadlines["/health"] : _deadlines[path]);

            await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(2), TestContext.Current.CancellationToken));
            await SettleAsync();
            while (!all.IsCompleted)
            {
                if (_time.GetUtcNow() - firedAt > longest + Margin)
                {
                    // Fake time is past every deadline; only scheduling is left. A thread that was starved may only now
                    // have set its timers, so time keeps moving, a millisecond at a time, for up to ten real seconds.
                    var grace = TimeProvider.System.GetTimestamp();
                    while (!all.IsCompleted && TimeProvider.System.GetElapsedTime(grace) < TimeSpan.FromSeconds(10))
                    {
                        await Task.WhenAny(all, Task.Delay(TimeSpan.FromMilliseconds(1), TestContext.Current.CancellationToken));
                        _time.Advance(TimeSpan.FromMilliseconds(10));
                    }

                    if (!all.IsCompleted)
                    {
                        var open = string.Join(", ", paths.Where((_, i) => !pending[i].IsCompleted));
                        throw new ModelViolation(Describe($"a request was not answered {(longest + Margin).TotalMilliseconds} ms (fake) after it was sent, past its deadline: {open}"));
                    }

                    break;
                }

                await AdvanceSettledAsync(TimeSpan.FromMilliseconds(20));
            }

            var responses = await all;
            for (var i = 0; i < count; i++)
            {
                Verify(paths[i], responses[i], firedAt, availability);
            }

            foreach (var name in _staleBackground)
            {
                await ConfirmBackgroundRunsAgainAsync(_checks.Single(c => c.Name == name));
            }

            _staleBackground.Clear();
            VerifyBackgroundRunsEndByTheirOwnTimeout();
        }

        private static readonly TimeSpan LongBackgroundTimeout = TimeSpan.FromSeconds(5);

        /// <summary>
        /// A probe's deadline never ends a Background run: a long-timeout Background check's published "timed out" comes
        /// from its own timer, so it lasted its whole timeout. Results of runs that may have started under an older policy
        /// are not judged.
        /// </summary>
        private void VerifyBackgroundRunsEndByTheirOwnTimeout()
        {
            foreach (var check in _checks)
            {
                var slot = _engine!.Find(check.Name)!;
                if (slot.Policy is { Mode: HealthCheckMode.Background } policy && policy.Timeout == LongBackgroundTimeout
                    && slot.Last is { Description: HealthKit.Engine.HealthEngine.TimedOutDescription } last
                    && last.ProducedAt > _reloadedAt + LongBackgroundTimeout + TimeSpan.FromSeconds(1) && last.Duration < LongBackgroundTimeout)
                {
                    throw new ModelViolation(Describe($"background check {check.Name} timed out after {last.Duration.TotalMilliseconds} ms, before its own timeout of {LongBackgroundTimeout.TotalMilliseconds} ms: a probe's deadline ended its run"));
                }
            }
        }

        /// <summary>
        /// A background check served a result older than its period allows. Moving fake time slowly (real time passing
        /// alongside, so no thread is left behind), a newer result must appear within one more period plus jitter and
        /// timeout; if none does, the loop has stopped running it.
        /// </summary>
        private async Task ConfirmBackgroundRunsAgainAsync(ModelCheck check)
        {
            var slot = _engine!.Find(check.Name)!;
            var before = slot.Last?.ProducedAt;
            var period = check.Policy.Period ?? _defaults.Period ?? TimeSpan.FromSeconds(30);
            var limit = (period * 1.1) + TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(1);
            var moved = TimeSpan.Zero;
            // A stale verdict is not a run: only a result the loop produced counts.
            bool NoNewRun() => slot.Last?.ProducedAt == before || slot.Last?.Stale == true;
            while (NoNewRun() && moved < limit)
            {
                _time.Advance(TimeSpan.FromMilliseconds(10));
                moved += TimeSpan.FromMilliseconds(10);
                await Task.Delay(TimeSpan.FromMilliseconds(1), TestContext.Current.CancellationToken);
            }

            // On a loaded machine the loop's thread may not have been scheduled while fake time moved: give it real time,
            // with fake time still, before calling the loop stopped. A stopped loop runs nothing however long it waits.
            var waited = TimeProvider.System.GetTimestamp();
            while (NoNewRun() && TimeProvider.System.GetElapsedTime(waited) < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
            }

            // A run the loop started late may be waiting on fake time for its own timeout.
            var extra = TimeSpan.Zero;
            while (NoNewRun() && extra < slot.Policy.Timeout + TimeSpan.FromMilliseconds(100))
            {
                _time.Advance(TimeSpan.FromMilliseconds(10));
                extra += TimeSpan.FromMilliseconds(10);
                await Task.Delay(TimeSpan.FromMilliseconds(2), TestContext.Current.CancellationToken);
            }

            if (NoNewRun())
            {
                throw new ModelViolation(Describe($"background check {check.Name} produced no new result in {(limit + extra).TotalMilliseconds} ms of slowly moving time and 5 s of real time: its loop is not running it"));
            }
        }

        private static async Task<(int Status, string Body)> GetAsync(HttpClient client, string path)
        {
            using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }

        private void Verify(string path, (int Status, string Body) response, DateTimeOffset firedAt, HealthKitAvailability availability)
        {
            void Fail(string what) => throw new ModelViolation(Describe($"GET {path} answered {response.Status} {Shorten(response.Body)}: {what}"));

            if (response.Status is not (200 or 503))
            {
                Fail("the status code is neither 200 nor 503");
            }

            if (response.Body.Contains(Secret, StringComparison.Ordinal))
            {
                Fail("the planted secret is in the body");
            }

            JsonElement json;
            try
            {
                json = JsonDocument.Parse(response.Body).RootElement;
            }
            catch (JsonException)
            {
                Fail("the body is not JSON");
                return;
            }

            var status = json.GetProperty("status").GetString();
            if ((status == "Unhealthy") != (response.Status == 503))
            {
                Fail("the status code does not match the status");
            }

            var readinessFailing = _stopping && availability.IsStopping && ReadinessFailingAt(firedAt);
            var tasksDone = _tasks.All(t => t.Task.IsCompletedSuccessfully);
            switch (path)
            {
                case "/health/ready" when readinessFailing || _notReady || !tasksDone:
                    if (status != "Unhealthy")
                    {
                        Fail($"readiness must be Unhealthy (stopping={readinessFailing}, notReady={_notReady}, startup tasks done={tasksDone})");
                    }

                    break;
                case "/health/startup":
                    if ((status == "Healthy") != tasksDone)
                    {
                        Fail($"startup must be Healthy exactly when every startup task has completed (done={tasksDone})");
                    }

                    break;
                case "/health/live" when status != "Healthy" && TotalDuration(json) < FixedTimeout:
                    // Only the clock can fail liveness here: a run that fake time overtook while its thread waited to be
                    // scheduled is reported as timed out, as it would be in a starved process.
                    Fail("liveness depends on nothing that the model changes, so it must stay Healthy");
                    break;
            }

            foreach (var check in _checks)
            {
                if (check.EnteredWhenDisabled is { } entered && check.Entered > entered)
                {
                    Fail($"{check.Name} is disabled, yet it was run {check.Entered - entered} times since");
                }
            }

            if (!json.TryGetProperty("entries", out var entries))
            {
                return;
            }

            // The aggregate is the worst entry as it counts: a non-critical check's Unhealthy counts as Degraded.
            var worst = "Healthy";
            foreach (var entry in entries.EnumerateObject())
            {
                var entryStatus = entry.Value.GetProperty("status").GetString()!;
                var model = _checks.FirstOrDefault(c => c.Name == entry.Name);
                var counted = entryStatus == "Unhealthy" && model?.Policy.Critical == false ? "Degraded" : entryStatus;
                worst = Rank(counted) < Rank(worst) ? counted : worst;
                if (model?.Policy.Enabled == false)
                {
                    Fail($"{model.Name} is disabled, yet it is reported");
                }
            }

            if (worst != status)
            {
                Fail($"the aggregate is {status}, but its entries, as they count, make it {worst}");
            }

            foreach (var entry in entries.EnumerateObject())
            {
                if (_checks.FirstOrDefault(c => c.Name == entry.Name) is { } check)
                {
                    VerifyEntry(check, entry.Value, firedAt, Fail);
                }
            }
        }

        private static int Rank(string status) => status switch
        {
            "Unhealthy" => 0,
            "Degraded" => 1,
            _ => 2,
        };

        private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(5);

        /// <summary>The shortest timeout <c>self</c> can have: its own 700 ms capped by the shortest deadline drawn.</summary>
        private static readonly TimeSpan FixedTimeout = TimeSpan.FromMilliseconds(300);

        private static TimeSpan TotalDuration(JsonElement json) =>
            TimeSpan.Parse(json.GetProperty("totalDuration").GetString()!, CultureInfo.InvariantCulture);

        /// <summary>Whether readiness was already failing when a request was sent (it only ever starts failing).</summary>
        private bool ReadinessFailingAt(DateTimeOffset moment) => _stoppedAt is { } at && moment - at >= _readinessFailDelay;

        private DateTimeOffset? _stoppedAt;
        private TimeSpan _readinessFailDelay;

        private void VerifyEntry(ModelCheck check, JsonElement entry, DateTimeOffset firedAt, Action<string> fail)
        {
            var status = entry.GetProperty("status").GetString();
            if (!entry.TryGetProperty("producedAt", out var producedAtProperty))
            {
                return;
            }

            // A result past its maximum age is replaced by an Unhealthy verdict that says so: not a run, and not damped.
            if (entry.TryGetProperty("description", out var description) && description.GetString()?.StartsWith("stale: ", StringComparison.Ordinal) == true)
            {
                if (status != "Unhealthy")
                {
                    fail($"entry {check.Name} is stale but {status}");
                }

                return;
            }

            var producedAt = producedAtProperty.GetDateTimeOffset();
            var background = (check.Policy.Mode ?? _defaults.Mode) == HealthCheckMode.Background;
            var timeout = background ? check.Policy.Timeout ?? _defaults.Timeout!.Value : Min(check.Policy.Timeout ?? _defaults.Timeout!.Value, _deadlines.Values.Min());
            TimeSpan limit;
            if (background)
            {
                // One period plus its jitter after the last run ended, which took at most its timeout; the second of slack
                // absorbs fake time that moved on while a thread waited to be scheduled.
                limit = ((check.Policy.Period ?? _defaults.Period ?? TimeSpan.FromSeconds(30)) * 1.1) + timeout + TimeSpan.FromSeconds(1);
            }
            else
            {
                limit = status == "Healthy" ? check.Policy.CacheTtl ?? _defaults.CacheTtl!.Value : check.Policy.FailureCacheTtl ?? _defaults.FailureCacheTtl!.Value;
            }

            if (background && firedAt - producedAt > limit)
            {
                // Fake time can outrun a loop whose thread was not scheduled; confirm with time moving slowly.
                _staleBackground.Add(check.Name);
            }
            else if (firedAt - producedAt > limit)
            {
                fail($"entry {check.Name} served a result produced {(firedAt - producedAt).TotalMilliseconds} ms before the request, older than {limit.TotalMilliseconds} ms: a stale result was not run again");
            }

            var afterFailures = check.Policy.UnhealthyAfterFailures ?? _defaults.UnhealthyAfterFailures;
            var afterDuration = check.Policy.UnhealthyAfterDuration ?? _defaults.UnhealthyAfterDuration;
            // A run that started before a reload finishes under the policy it started with: judge damping only for results
            // produced well after the last reload.
            if (status == "Unhealthy" && afterFailures > 1 && afterDuration is null && producedAt > _reloadedAt + TimeSpan.FromSeconds(2))
            {
                var failures = entry.TryGetProperty("data", out var data) && data.TryGetProperty("consecutiveFailures", out var value) ? value.GetInt32() : 0;
                if (failures < afterFailures)
                {
                    fail($"entry {check.Name} is Unhealthy after {failures} consecutive failures, below UnhealthyAfterFailures={afterFailures}: a failure skipped damping");
                }
            }

            if (check.MaxConcurrent > 1)
            {
                fail($"check {check.Name} ran {check.MaxConcurrent} times at once");
            }
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        /// <summary>
        /// A scrape between steps reports, for every check whose latest result did not change meanwhile, exactly one
        /// status series at 1, the one of that result; a check with no result, or a disabled one, has no status series.
        /// </summary>
        private void VerifyScrape(MeterCapture meter)
        {
            var slots = _engine!.Slots;
            var before = slots.Select(slot => slot.Last).ToArray();
            var scrape = meter.Scrape();
            for (var i = 0; i < slots.Length; i++)
            {
                if (!ReferenceEquals(before[i], slots[i].Last))
                {
                    continue;
                }

                var series = scrape.Where("healthkit.check.status", ("healthkit.check.name", slots[i].Name));
                var current = series.Where(r => r.Value == 1).Select(r => r.Tags["healthkit.status"]).ToArray();
                // A disabled check is not run, so its last result says nothing about now: it has no series at all, and
                // none either once enabled again until it has run since.
                // Judged by the result read before the scrape: one published since is not in it.
                var known = before[i] is { } read && read.Epoch == slots[i].Epoch && slots[i].Policy.Enabled ? read : null;
                string[] expected = known is { } last ? [last.Status.ToString().ToLowerInvariant()] : [];
                if (!current.SequenceEqual(expected) || (known is null && series.Length > 0))
                {
                    throw new ModelViolation(Describe($"a scrape reported {slots[i].Name} as [{string.Join(",", current)}] with {series.Length} series; its latest result is {before[i]?.Status.ToString() ?? "none"}"));
                }
            }
        }

        private void AssertNoSecretInLogs()
        {
            foreach (var entry in _logs.Entries)
            {
                if (entry.Message.Contains(Secret, StringComparison.Ordinal) || entry.Exception?.Contains(Secret, StringComparison.Ordinal) == true)
                {
                    throw new ModelViolation(Describe($"the planted secret is in a log line: {entry.Category} {entry.EventId}: {Shorten(entry.Message)}"));
                }
            }
        }

        /// <summary>
        /// The listener must hear exactly the status changes the engine published and logged, checks' and endpoints'
        /// alike: none missed, none invented, none twice. Two publications of one check can race to the log and the queue,
        /// so the comparison is of the two multisets; fake time is frozen here, so both sides come to rest.
        /// </summary>
        private async Task AssertListenerSawExactlyTheLoggedChangesAsync()
        {
            await SettleAsync();
            List<string> logged = [], heard = [];
            var limit = TimeSpan.FromSeconds(10);
            var started = TimeProvider.System.GetTimestamp();
            while (true)
            {
                logged = [.. LoggedChanges().Order(StringComparer.Ordinal)];
                heard = [.. _listener.Changes.Select(c => $"{c.Kind} {c.Name}: {c.PreviousStatus?.ToString() ?? "Unknown"} -> {c.Status}").Order(StringComparer.Ordinal)];
                if (logged.SequenceEqual(heard, StringComparer.Ordinal) || TimeProvider.System.GetElapsedTime(started) > limit)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10), TestContext.Current.CancellationToken);
            }

            if (!logged.SequenceEqual(heard, StringComparer.Ordinal))
            {
                var missed = logged.Except(heard, StringComparer.Ordinal).Take(5);
                var extra = heard.Except(logged, StringComparer.Ordinal).Take(5);
                throw new ModelViolation(Describe($"the listener heard {heard.Count} status changes, the log has {logged.Count}; missed: [{string.Join("; ", missed)}], extra: [{string.Join("; ", extra)}]"));
            }
        }

        private IEnumerable<string> LoggedChanges()
        {
            foreach (var entry in _logs.Entries)
            {
                if (entry.EventId.Name == "HealthKitCheckStatusChanged" && CheckChange.Match(entry.Message) is { Success: true } check)
                {
                    yield return $"Check {check.Groups[1].Value}: {check.Groups[2].Value} -> {check.Groups[3].Value}";
                }
                else if (entry.EventId.Name == "HealthKitEndpointStatusChanged" && EndpointChange.Match(entry.Message) is { Success: true } endpoint)
                {
                    yield return $"Endpoint {endpoint.Groups[1].Value}: {endpoint.Groups[2].Value} -> {endpoint.Groups[3].Value}";
                }
            }
        }

        private static readonly Regex CheckChange = new("^Health check '([^']+)' changed from (\\w+) to (\\w+):", RegexOptions.CultureInvariant);
        private static readonly Regex EndpointChange = new("^Health endpoint '([^']+)' changed from (\\w+) to (\\w+)$", RegexOptions.CultureInvariant);

        private readonly ModelListener _listener = new();

        private readonly FlakyListener _flaky = new(seed ^ number);

        /// <summary>
        /// Every endpoint's maintained status equals a recomputation from its checks' current results, and the gauge
        /// reports it, whenever no result changed while this looked. A publication marks its result announced and then,
        /// under the tracker's lock, recomputes the endpoints: a look between the two sees the new result and the old
        /// status with no version moved yet. That thread finishes on its own, so a difference counts only when it lasts.
        /// </summary>
        private void VerifyEndpointStatus(MeterCapture meter)
        {
            for (var attempt = 1; FindEndpointStatusDifference(meter) is { } difference; attempt++)
            {
                if (attempt == 50)
                {
                    throw new ModelViolation(Describe(difference));
                }

                Thread.Sleep(TimeSpan.FromMilliseconds(10));
            }
        }

        /// <summary>
        /// Each check's history is a chain of changes in time order (each entry starts where the one before it ended), no
        /// longer than its capacity and no older than its window, and its newest entry ends at the status of the check's
        /// latest result, when no result was stored while this looked (a first Healthy result is no change, so a history
        /// is empty only while the check has been Healthy since its first result; a check with no result has none).
        /// </summary>
        private void VerifyHistory()
        {
            // A change is recorded and then its result stored, under the slot's lock, which a look cannot take: a look
            // between the two sees the new change beside the old result. That thread finishes on its own, so a
            // difference counts only when it lasts.
            for (var attempt = 1; FindHistoryProblem() is { } problem; attempt++)
            {
                if (attempt == 50)
                {
                    throw new ModelViolation(Describe(problem));
                }

                Thread.Sleep(TimeSpan.FromMilliseconds(10));
            }
        }

        private string? FindHistoryProblem()
        {
            var now = _time.GetUtcNow();
            foreach (var slot in _engine!.Slots)
            {
                var before = slot.Last;
                var entries = slot.History.Snapshot().ToArray();
                var after = slot.Last;
                var history = slot.History;
                string? problem = null;
                if (entries.Length > history.Capacity)
                {
                    problem = $"holds {entries.Length} entries, more than its capacity of {history.Capacity}";
                }
                else if (entries.Length > 0 && (entries[0].At < now - history.Window || entries[^1].At > now))
                {
                    problem = $"holds entries from {entries[0].At:O} to {entries[^1].At:O}, outside its window of {history.Window} before {now:O}";
                }
                else if (Enumerable.Range(1, Math.Max(0, entries.Length - 1)).FirstOrDefault(i => entries[i].At < entries[i - 1].At || entries[i].From != entries[i - 1].To, -1) is var broken and > 0)
                {
                    problem = $"entry {broken} ({entries[broken].From}->{entries[broken].To} at {entries[broken].At:O}) does not follow entry {broken - 1} ({entries[broken - 1].From}->{entries[broken - 1].To} at {entries[broken - 1].At:O})";
                }
                else if (ReferenceEquals(before, after) && entries.Length > 0 && (before is null || entries[^1].To != before.Status))
                {
                    problem = $"ends at {entries[^1].To}, but the latest result is {before?.Status.ToString() ?? "none"}";
                }
                else if (ReferenceEquals(before, after) && entries.Length == 0 && before is { Status: not HealthStatus.Healthy } && now - FakeStart < history.Window)
                {
                    // Only a change leads away from Healthy, and none can have left the window since the episode started.
                    problem = $"is empty, but the latest result is {before.Status}";
                }

                if (problem is not null)
                {
                    return $"the history of {slot.Name} {problem}";
                }
            }

            return null;
        }

        private string? FindEndpointStatusDifference(MeterCapture meter)
        {
            var engine = _engine!;
            var version = engine.Endpoints.Version;
            var before = engine.Slots.Select(slot => slot.Last).ToArray();
            var scrape = meter.Scrape();
            foreach (var endpoint in new[] { "Health", "Live", "Ready", "Startup" })
            {
                var kept = engine.Endpoints.Get(endpoint)!.Status;
                HealthStatus? expected = null;
                foreach (var slot in engine.SlotsFor(EndpointOptions(endpoint)))
                {
                    var policy = slot.Policy;
                    if (slot.Last is { } last && last.Epoch == slot.Epoch && policy.Enabled)
                    {
                        var counted = last.Status == HealthStatus.Unhealthy && !policy.Critical ? HealthStatus.Degraded : last.Status;
                        expected = expected is { } worst && worst < counted ? worst : counted;
                    }
                }

                // A result published while this looked, or whose change is still on its way to the listeners, is not yet
                // in the kept status.
                if (!engine.Slots.Select(slot => slot.Last).SequenceEqual(before) || engine.Slots.Any(slot => !ReferenceEquals(slot.Announced, slot.Last))
                    || engine.Endpoints.Version != version)
                {
                    return null;
                }

                var gauge = scrape.Where("healthkit.endpoint.status", ("healthkit.endpoint.name", endpoint.ToLowerInvariant())).Where(r => r.Value == 1).Select(r => r.Tags["healthkit.status"]).ToArray();
                string[] reported = expected is { } status ? [status.ToString().ToLowerInvariant()] : [];
                if (kept != expected || !gauge.SequenceEqual(reported))
                {
                    return $"endpoint {endpoint} is kept as {kept?.ToString() ?? "none"} and its gauge says [{string.Join(",", gauge)}]; its checks' current results make it {expected?.ToString() ?? "none"}";
                }
            }

            return null;
        }

        private HealthEndpointOptions EndpointOptions(string key)
        {
            var endpoints = _engine!.Options.Endpoints;
            return key switch
            {
                "Health" => endpoints.Health,
                "Live" => endpoints.Live,
                "Ready" => endpoints.Ready,
                _ => endpoints.Startup,
            };
        }

        /// <summary>
        /// After the quiet, the listener that is slow and throws now and then (its queue full, its changes merged) has
        /// as its last word for every check and endpoint the engine's state of it.
        /// </summary>
        private async Task AssertFlakyListenerConvergedAsync()
        {
            await SettleAsync();
            var engine = _engine!;
            List<string> expected = [], heard = [];
            var limit = TimeSpan.FromSeconds(20);
            var started = TimeProvider.System.GetTimestamp();
            while (true)
            {
                expected.Clear();
                heard.Clear();
                foreach (var slot in engine.Slots)
                {
                    // A check whose first result was Healthy, and never changed, was never news.
                    var state = slot.Last?.Status;
                    var word = _flaky.LastWord(HealthStatusChangeKind.Check, slot.Name) ?? (state == HealthStatus.Healthy ? HealthStatus.Healthy : null);
                    expected.Add($"check {slot.Name}: {state}");
                    heard.Add($"check {slot.Name}: {word}");
                }

                foreach (var key in engine.Endpoints.Keys)
                {
                    // An endpoint whose checks all went quiet keeps the last status it was heard at.
                    if (engine.Endpoints.Get(key)!.Status is { } state)
                    {
                        var word = _flaky.LastWord(HealthStatusChangeKind.Endpoint, key) ?? (state == HealthStatus.Healthy ? HealthStatus.Healthy : null);
                        expected.Add($"endpoint {key}: {state}");
                        heard.Add($"endpoint {key}: {word}");
                    }
                }

                if (expected.SequenceEqual(heard, StringComparer.Ordinal) || TimeProvider.System.GetElapsedTime(started) > limit)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(20), TestContext.Current.CancellationToken);
            }

            if (!expected.SequenceEqual(heard, StringComparer.Ordinal))
            {
                throw new ModelViolation(Describe($"after the quiet, the slow and failing listener's last words [{string.Join("; ", heard)}] differ from the engine's state [{string.Join("; ", expected)}] ({_flaky.Calls} calls)"));
            }
        }

        private static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + "…";

        /// <summary>Advances fake time in small steps, letting timers' continuations run between them.</summary>
        private async Task AdvanceSettledAsync(TimeSpan by)
        {
            var step = TimeSpan.FromMilliseconds(50);
            while (by > TimeSpan.Zero)
            {
                var next = by < step ? by : step;
                _time.Advance(next);
                by -= next;
                await SettleAsync();
            }
        }

        /// <summary>
        /// Waits until the thread pool's queue is empty and nothing the model can observe (checks entered or left, log
        /// lines, requests answered) has moved for a moment, so that the continuations fake time released have run.
        /// </summary>
        private Task SettleAsync()
        {
            var quiet = 0;
            var last = Progress();
            for (var i = 0; i < 20_000 && quiet < 4; i++)
            {
                Thread.Sleep(0);
                Thread.SpinWait(50);
                var now = Progress();
                quiet = ThreadPool.PendingWorkItemCount == 0 && now == last ? quiet + 1 : 0;
                last = now;
            }

            return Task.CompletedTask;
        }

        private long Progress() => _checks.Sum(check => (long)check.Transitions) + _logs.Entries.Count + Volatile.Read(ref _answered);

        private int _answered;
    }

    /// <summary>A check whose behaviour the model sets; it counts how many of its runs are inside at once.</summary>
    private sealed class ModelCheck(string name, string[] tags, HealthCheckPolicy policy, FakeTimeProvider time) : IHealthCheck
    {
        private readonly Lock _gate = new();
        private readonly List<TaskCompletionSource> _hung = [];
        private int _inside;
        private int _maxConcurrent;
        private int _transitions;
        private int _entered;

        /// <summary>How many times a run has entered or left the check.</summary>
        public int Transitions => Volatile.Read(ref _transitions);

        public string Name { get; } = name;

        public string[] Tags { get; } = tags;

        public HealthCheckPolicy Policy { get; } = policy;

        public Behaviour Behaviour { get; set; }

        public int MaxConcurrent => Volatile.Read(ref _maxConcurrent);

        /// <summary>How many runs have entered the check.</summary>
        public int Entered => Volatile.Read(ref _entered);

        /// <summary>While the check is disabled, <see cref="Entered"/> when it was; it must not grow.</summary>
        public int? EnteredWhenDisabled { get; set; }

        public void ReleaseAll()
        {
            lock (_gate)
            {
                foreach (var hung in _hung)
                {
                    hung.TrySetResult();
                }

                _hung.Clear();
            }
        }

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _transitions);
            Interlocked.Increment(ref _entered);
            var inside = Interlocked.Increment(ref _inside);
            int seen;
            while ((seen = Volatile.Read(ref _maxConcurrent)) < inside && Interlocked.CompareExchange(ref _maxConcurrent, inside, seen) != seen)
            {
            }

            try
            {
                switch (Behaviour)
                {
                    case Behaviour.Degraded:
                        return HealthCheckResult.Degraded("slow replica");
                    case Behaviour.Unhealthy:
                        return HealthCheckResult.Unhealthy("cannot reach Host=db;Password=" + Secret);
                    case Behaviour.Throws:
                        throw new InvalidOperationException("connect failed: Host=db;Password=" + Secret);
                    case Behaviour.UnreadableData:
                        return HealthCheckResult.Healthy("ok", new Dictionary<string, object>
                        {
                            ["items"] = Enumerable.Range(0, 1).Select<int, object>(_ => throw new InvalidOperationException("Password=" + Secret)),
                            ["map"] = new Hashtable { [new ThrowingToString()] = 1 },
                        });
                    case Behaviour.SecretData:
                        return HealthCheckResult.Healthy("ok", new Dictionary<string, object>
                        {
                            ["connection"] = "Server=db;Password=" + Secret,
                            ["url"] = "postgres://app:" + Secret + "@db/app",
                        });
                    case Behaviour.HangHonouringToken:
                        await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
                        return HealthCheckResult.Healthy();
                    case Behaviour.HangIgnoringToken:
                        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        lock (_gate)
                        {
                            _hung.Add(release);
                        }

                        await release.Task;
                        return HealthCheckResult.Healthy("finally returned");
                    case Behaviour.Slow:
                        await Task.Delay(TimeSpan.FromMilliseconds(150), time, cancellationToken);
                        return HealthCheckResult.Healthy("slow but fine");
                    default:
                        return HealthCheckResult.Healthy("fine");
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inside);
                Interlocked.Increment(ref _transitions);
            }
        }
    }

    /// <summary>Keeps every change it hears, in the order it hears them.</summary>
    private sealed class ModelListener : IHealthStatusListener
    {
        public System.Collections.Concurrent.ConcurrentQueue<HealthStatusChange> Changes { get; } = new();

        public Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
        {
            Changes.Enqueue(change);
            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// A receiver that is slow (up to 3 ms of real time per change, while the model moves fake time fast) and fails one
    /// change in five, seeded. It keeps the last word it was given for each subject.
    /// </summary>
    private sealed class FlakyListener(int seed) : IHealthStatusListener
    {
        private readonly Random _random = new(seed);
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(HealthStatusChangeKind, string), HealthStatus> _last = new();
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public HealthStatus? LastWord(HealthStatusChangeKind kind, string name) => _last.TryGetValue((kind, name), out var status) ? status : null;

        public async Task OnStatusChangedAsync(HealthStatusChange change, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            _last[(change.Kind, change.Name)] = change.Status;
            int roll, delay;
            lock (_random)
            {
                roll = _random.Next(5);
                delay = _random.Next(4);
            }

            if (delay > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delay), CancellationToken.None);
            }

            if (roll == 0)
            {
                throw new InvalidOperationException("the receiver failed");
            }
        }
    }

    private sealed class ThrowingToString
    {
        public override string ToString() => throw new InvalidOperationException("Password=" + Secret);
    }
}
