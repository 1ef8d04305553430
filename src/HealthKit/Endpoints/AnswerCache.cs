using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using HealthKit.Engine;
using HealthKit.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Endpoints;

/// <summary>
/// One endpoint's answers as bytes, rendered once per change and copied to every request until something they were
/// rendered from changes: a result stored, a policy put in force (Critical, Enabled, thresholds), the application's
/// state (startup, readiness, the drain), or the time-to-live of a cached result running out. One answer per detail
/// level and format, so the memory is bounded whatever the requests ask; answers to a query that adds notes
/// (<c>?exclude=</c>), to <c>?history</c>, to one check (<c>checks/{name}</c>) and the status page are rendered per request.
/// </summary>
/// <remarks>
/// Whether an answer still holds is decided in constant time, however many checks it holds: the engine's
/// <see cref="HealthEngine.AnswerVersion"/> and the application's state version, both read before the evaluation the
/// answer was rendered from, and the earliest moment at which one of its cached results stops being fresh. Answers are
/// immutable and replaced whole; two requests that miss at once both render, and either answer is right.
/// </remarks>
internal sealed class AnswerCache
{
    /// <summary>JSON at each detail level (0 to 2), plain text, verbose plain text at each level, health+json at each level for an anonymous and an identified caller.</summary>
    internal const int Keys = 13;

    /// <summary>The key of the plain-text answer without <c>?verbose</c>, which is the same at every level.</summary>
    internal const int TextKey = 3;

    /// <summary>The most bytes <see cref="WriteInBlocks"/> asks the server for at once: well within a pool block.</summary>
    private const int BlockHint = 1024;

    /// <summary>Where the JSON answer's <c>totalDuration</c> value was cut out; it is written per request.</summary>
    private static readonly byte[] TotalDurationValue = "\"totalDuration\":\""u8.ToArray();

    private readonly HealthEngine _engine;
    private readonly Answer?[] _answers = new Answer?[Keys];

    public AnswerCache(HealthEngine engine) => _engine = engine;

    /// <summary>The key of the JSON answer at <paramref name="level"/>.</summary>
    internal static int JsonKey(HealthDetailLevel level) => (int)level;

    /// <summary>The key of the plain-text answer with <c>?verbose</c> at <paramref name="level"/>.</summary>
    internal static int VerboseTextKey(HealthDetailLevel level) => 4 + (int)level;

    /// <summary>The key of the health+json answer at <paramref name="level"/>, with or without the service's identity.</summary>
    internal static int HealthJsonKey(HealthDetailLevel level, bool identified) => 7 + (2 * (int)level) + (identified ? 1 : 0);

    /// <summary>What an answer rendered from an evaluation that starts now is valid for; read before the evaluation.</summary>
    public Stamp Begin() => new(_engine.AnswerVersion, _engine.Availability.Version);

    /// <summary>The answer for <paramref name="key"/> if nothing it was rendered from has changed by <paramref name="now"/>.</summary>
    public Answer? TryGet(int key, long now) =>
        Volatile.Read(ref _answers[key]) is { } answer
        && answer.Version == _engine.AnswerVersion
        && answer.StateVersion == _engine.Availability.Version
        && now < answer.ExpiresAt
            ? answer
            : null;

    /// <summary>
    /// Keeps <paramref name="body"/>, rendered from <paramref name="evaluation"/>, as the answer for
    /// <paramref name="key"/> until <paramref name="expiresAt"/> (from <see cref="ExpiresAt"/>, never
    /// <see cref="long.MinValue"/>), and returns it. A JSON body's <c>totalDuration</c> value is cut out and written per
    /// request.
    /// </summary>
    public Answer Store(int key, Stamp stamp, long expiresAt, Evaluation evaluation, byte[] body, bool json)
    {
        var durationAt = -1;
        if (json)
        {
            // The writer puts totalDuration right after status, so the first match is the report's own; its value is a
            // TimeSpan in the "c" format, which needs no escaping and contains no quote.
            var start = body.AsSpan().IndexOf(TotalDurationValue) + TotalDurationValue.Length;
            var length = body.AsSpan(start).IndexOf((byte)'"');
            durationAt = start;
            body = [.. body.AsSpan(0, start), .. body.AsSpan(start + length)];
        }

        var answer = new Answer(stamp, expiresAt, evaluation.Status, body, durationAt, _engine.Telemetry.Metrics?.AnswerHitsFor(evaluation.Slots));
        Volatile.Write(ref _answers[key], answer);
        return answer;
    }

    /// <summary>
    /// The first timestamp at which one of the evaluation's results is no longer what a request would be answered with,
    /// as <see cref="CheckSlot.TryGetFresh"/> decides it; <see cref="long.MaxValue"/> when only a change can end them
    /// (a background check's latest result, a lifecycle check's result for the current state), and
    /// <see cref="long.MinValue"/> when the evaluation holds a result that is not its check's latest (a run that missed
    /// the deadline, a result of an older state) or one that is never reused: its answer is not kept.
    /// </summary>
    public long ExpiresAt(Evaluation evaluation, Stamp stamp)
    {
        var time = _engine.TimeProvider;
        var expiresAt = long.MaxValue;
        for (var i = 0; i < evaluation.Slots.Length; i++)
        {
            var slot = evaluation.Slots[i];
            var outcome = evaluation.Outcomes[i];
            var policy = slot.Policy;
            if (!ReferenceEquals(slot.Current, outcome))
            {
                return long.MinValue;
            }

            if (policy.Mode == HealthCheckMode.Background)
            {
                continue;
            }

            if (policy.FollowsState)
            {
                if (outcome.StateVersion != stamp.StateVersion)
                {
                    return long.MinValue;
                }

                continue;
            }

            var ttl = outcome.Status == HealthStatus.Healthy ? policy.CacheTtl : policy.FailureCacheTtl;
            if (ttl <= TimeSpan.Zero)
            {
                return long.MinValue;
            }

            expiresAt = Math.Min(expiresAt, FreshUntil(time, outcome.ProducedTimestamp, ttl));
        }

        return expiresAt;
    }

    /// <summary>
    /// The first timestamp at which a result produced at <paramref name="produced"/> is older than
    /// <paramref name="ttl"/>, by the very comparison <see cref="CheckSlot.TryGetFresh"/> makes, so that the rendered
    /// answer and the cached result expire at the same tick whatever the clock's frequency.
    /// </summary>
    internal static long FreshUntil(TimeProvider time, long produced, TimeSpan ttl)
    {
        var units = ttl.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond;
        if (units >= long.MaxValue - (double)Math.Max(produced, 0) - 4)
        {
            return long.MaxValue;
        }

        var at = produced + (long)units;
        while (at > produced && time.GetElapsedTime(produced, at - 1) >= ttl)
        {
            at--;
        }

        while (time.GetElapsedTime(produced, at) < ttl)
        {
            at++;
        }

        return at;
    }

    /// <summary>
    /// Writes <paramref name="answer"/>'s bytes, with <paramref name="totalDuration"/> where the JSON's was cut out, and
    /// sets the response's <c>Content-Length</c>: the whole body is known before the first byte is written, so the
    /// server sends it in one piece instead of chunks and a terminating chunk.
    /// </summary>
    public static void Write(HttpResponse response, Answer answer, TimeSpan totalDuration, bool head)
    {
        var body = answer.Body;
        if (answer.DurationAt < 0)
        {
            response.ContentLength = body.Length;
            if (!head)
            {
                WriteInBlocks(response.BodyWriter, body);
            }

            return;
        }

        // A TimeSpan in the "c" format is at most 26 characters ("-10675199.02:48:05.4775808").
        Span<byte> duration = stackalloc byte[32];
        // Stryker disable once String : TimeSpan's empty format is its "c" format
        totalDuration.TryFormat(duration, out var written, "c", CultureInfo.InvariantCulture);
        response.ContentLength = body.Length + written;
        if (head)
        {
            return;
        }

        var output = response.BodyWriter;
        WriteInBlocks(output, body.AsSpan(0, answer.DurationAt));
        WriteInBlocks(output, duration[..written]);
        WriteInBlocks(output, body.AsSpan(answer.DurationAt));
    }

    /// <summary>
    /// Copies <paramref name="bytes"/> into as many of the server's buffers as they take, asking for at least one byte
    /// and at most <see cref="BlockHint"/> at a time, and filling whatever it is given. Kestrel answers a request for one
    /// span larger than its pool's blocks (4 KB) by renting from the shared pool, with a new owner object per request; and
    /// when its current buffer is full, a request for no particular size (what the <c>Write</c> extension makes) can be
    /// answered with an empty span, which that extension rejects (the probe server's Kestrel does this).
    /// </summary>
    private static void WriteInBlocks(PipeWriter output, ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = output.GetSpan(Math.Min(bytes.Length, BlockHint));
            var count = Math.Min(span.Length, bytes.Length);
            bytes[..count].CopyTo(span);
            output.Advance(count);
            bytes = bytes[count..];
        }
    }

    /// <summary>The versions an answer is rendered under.</summary>
    internal readonly record struct Stamp(long Version, int StateVersion);

    /// <summary>An answer's bytes and what decides whether they still hold.</summary>
    internal sealed class Answer(Stamp stamp, long expiresAt, HealthStatus status, byte[] body, int durationAt, AnswerHits? hits)
    {
        public long Version { get; } = stamp.Version;

        public int StateVersion { get; } = stamp.StateVersion;

        /// <summary>The first timestamp at which a result in it is no longer fresh.</summary>
        public long ExpiresAt { get; } = expiresAt;

        /// <summary>The aggregate status, as the evaluation computed it.</summary>
        public HealthStatus Status { get; } = status;

        public byte[] Body { get; } = body;

        /// <summary>Where the JSON's <c>totalDuration</c> value goes, or -1 for a body written as it is.</summary>
        public int DurationAt { get; } = durationAt;

        /// <summary>Where a request answered with it is counted, or <see langword="null"/> when metrics are off.</summary>
        public AnswerHits? Hits { get; } = hits;
    }
}
