using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using HealthKit.Engine;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Endpoints;

/// <summary>
/// Writes reports in the shape HealthChecks.UI reads: <c>{"status","totalDuration","entries":{name:{...}}}</c>,
/// camelCase properties, check names and data keys as they are, durations as <c>TimeSpan.ToString()</c>, nulls omitted.
/// </summary>
internal static class JsonReportWriter
{
    public const string ContentType = "application/json";

    /// <summary>The body is never embedded in HTML, so only what JSON itself requires is escaped.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = Encoder };
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.Status_MapsToDefaultStatusCode fails when it changes
    private static readonly JsonEncodedText StatusProperty = JsonEncodedText.Encode("status");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.MapHealthKit_MapsFourEndpoints_EachAnswersJson fails when it changes
    private static readonly JsonEncodedText TotalDurationProperty = JsonEncodedText.Encode("totalDuration");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.DetailLevel_Components_HasNamesAndStatusesOnly fails when it changes
    private static readonly JsonEncodedText EntriesProperty = JsonEncodedText.Encode("entries");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.DetailLevel_Full_HasDescriptionDataDurationTagsAndProducedAt fails when it changes
    private static readonly JsonEncodedText DescriptionProperty = JsonEncodedText.Encode("description");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.DetailLevel_Full_HasDescriptionDataDurationTagsAndProducedAt fails when it changes
    private static readonly JsonEncodedText DurationProperty = JsonEncodedText.Encode("duration");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.DetailLevel_Full_HasDescriptionDataDurationTagsAndProducedAt fails when it changes
    private static readonly JsonEncodedText ProducedAtProperty = JsonEncodedText.Encode("producedAt");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.DetailLevel_Full_HasDescriptionDataDurationTagsAndProducedAt fails when it changes
    private static readonly JsonEncodedText TagsProperty = JsonEncodedText.Encode("tags");
    // Stryker disable once String : static initialiser, runs once per test process; EndpointTests.DetailLevel_Full_HasDescriptionDataDurationTagsAndProducedAt fails when it changes
    private static readonly JsonEncodedText DataProperty = JsonEncodedText.Encode("data");
    // Stryker disable once String : static initialiser, runs once per test process; SecretTests.IncludeExceptionDetails_ShowsMessage_ButStillRedactsPasswords fails when it changes
    private static readonly JsonEncodedText ExceptionProperty = JsonEncodedText.Encode("exception");
    // Stryker disable once String : static initialiser, runs once per test process; OperatorToolTests.Exclude_RunsTheEndpointWithoutThatCheck_AndSaysSo fails when it changes
    private static readonly JsonEncodedText ExcludedProperty = JsonEncodedText.Encode("excluded");
    // Stryker disable once String : static initialiser, runs once per test process; OperatorToolTests.Exclude_IsRepeatableAndCommaSeparated_UnknownNamesWarn fails when it changes
    private static readonly JsonEncodedText WarningsProperty = JsonEncodedText.Encode("warnings");
    private static readonly JsonEncodedText HistoryProperty = JsonEncodedText.Encode("history");
    private static readonly JsonEncodedText WindowProperty = JsonEncodedText.Encode("window");
    private static readonly JsonEncodedText CapacityProperty = JsonEncodedText.Encode("capacity");
    private static readonly JsonEncodedText ChecksProperty = JsonEncodedText.Encode("checks");
    private static readonly JsonEncodedText FlapsProperty = JsonEncodedText.Encode("flaps");
    private static readonly JsonEncodedText ChangesProperty = JsonEncodedText.Encode("changes");
    private static readonly JsonEncodedText AtProperty = JsonEncodedText.Encode("at");
    private static readonly JsonEncodedText FromProperty = JsonEncodedText.Encode("from");
    private static readonly JsonEncodedText ToProperty = JsonEncodedText.Encode("to");
    private static readonly JsonEncodedText[] StatusValues =
        [JsonEncodedText.Encode(nameof(HealthStatus.Unhealthy)), JsonEncodedText.Encode(nameof(HealthStatus.Degraded)), JsonEncodedText.Encode(nameof(HealthStatus.Healthy))];

    private static readonly byte[][] ComponentEntries =
        [RenderStatusOnly(HealthStatus.Unhealthy), RenderStatusOnly(HealthStatus.Degraded), RenderStatusOnly(HealthStatus.Healthy)];

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_entryWriter;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_entryBuffer;

    /// <summary>Writes a report. Every value was sanitized when its outcome was produced, so this cannot throw on data.</summary>
    /// <param name="output">Where the JSON goes.</param>
    /// <param name="evaluation">The report.</param>
    /// <param name="level">The request's detail level.</param>
    /// <param name="names">The encoded check names, indexed by <see cref="CheckSlot.Index"/>.</param>
    /// <param name="notes">Exclusions and warnings from the query.</param>
    /// <param name="history">Whether to add each check's status history (<c>?history</c>); written only at Components and above.</param>
    public static void Write(IBufferWriter<byte> output, Evaluation evaluation, HealthDetailLevel level, JsonEncodedText[] names, ReportNotes? notes = null, bool history = false)
    {
        // Stryker disable once NullCoalescing : a new writer writes the same bytes as the one kept for the thread
        var writer = t_writer ?? new Utf8JsonWriter(output, WriterOptions);
        t_writer = null;
        writer.Reset(output);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(StatusProperty, StatusValues[(int)evaluation.Status]);
            WriteDuration(writer, TotalDurationProperty, evaluation.TotalDuration);
            if (level >= HealthDetailLevel.Components)
            {
                writer.WriteStartObject(EntriesProperty);
                var slots = evaluation.Slots;
                var outcomes = evaluation.Outcomes;
                for (var i = 0; i < slots.Length; i++)
                {
                    writer.WritePropertyName(names[slots[i].Index]);
                    // Stryker disable once Boolean : the entries were written by Utf8JsonWriter, so validating them passes and the same bytes are written
                    writer.WriteRawValue(
                        level == HealthDetailLevel.Full ? GetFullEntry(outcomes[i], slots[i].Tags) : ComponentEntries[(int)outcomes[i].Status],
                        skipInputValidation: true);
                }

                writer.WriteEndObject();
                if (history)
                {
                    WriteHistory(writer, evaluation.Slots, level, names);
                }
            }

            if (notes is not null)
            {
                WriteStrings(writer, ExcludedProperty, notes.Excluded);
                WriteStrings(writer, WarningsProperty, notes.Warnings);
            }

            writer.WriteEndObject();
            writer.Flush();
        }
        finally
        {
            writer.Reset(Stream.Null);
            t_writer = writer;
        }
    }

    /// <summary>The encoded property names of <paramref name="slots"/>, indexed by <see cref="CheckSlot.Index"/>.</summary>
    public static JsonEncodedText[] EncodeNames(CheckSlot[] slots)
    {
        var names = new JsonEncodedText[slots.Length];
        foreach (var slot in slots)
        {
            names[slot.Index] = JsonEncodedText.Encode(slot.Name, Encoder);
        }

        return names;
    }

    /// <summary>The outcome's entry at <see cref="HealthDetailLevel.Full"/>, rendered on first use and kept with it.</summary>
    public static byte[] GetFullEntry(CheckOutcome outcome, string[] tags)
    {
        if (outcome.RenderCache is byte[] json)
        {
            return json;
        }

        json = RenderFullEntry(outcome, tags);
        outcome.RenderCache = json;
        return json;
    }

    /// <summary>
    /// Renders one entry at <see cref="HealthDetailLevel.Full"/>; called once per outcome, so once per request for a
    /// check that is not cached. The writer asks its buffer for kilobytes at a time, so both are kept per thread and
    /// only the entry's own bytes are allocated.
    /// </summary>
    public static byte[] RenderFullEntry(CheckOutcome outcome, string[] tags)
    {
        // Stryker disable once NullCoalescing : a new buffer holds the same bytes as the one kept for the thread
        var buffer = t_entryBuffer ?? new ArrayBufferWriter<byte>(256);
        // Stryker disable once NullCoalescing : a new writer writes the same bytes as the one kept for the thread
        var writer = t_entryWriter ?? new Utf8JsonWriter(buffer, WriterOptions);
        t_entryBuffer = null;
        t_entryWriter = null;
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            writer.WriteString(StatusProperty, StatusValues[(int)outcome.Status]);
            if (outcome.Description is not null)
            {
                writer.WriteString(DescriptionProperty, outcome.Description);
            }

            WriteDuration(writer, DurationProperty, outcome.Duration);
            writer.WriteString(ProducedAtProperty, outcome.ProducedAt);
            writer.WriteStartArray(TagsProperty);
            foreach (var tag in tags)
            {
                writer.WriteStringValue(tag);
            }

            writer.WriteEndArray();
            writer.WriteStartObject(DataProperty);
            var data = outcome.Data;
            for (var i = 0; i < data.Count; i++)
            {
                writer.WritePropertyName(data[i].Key);
                WriteValue(writer, data[i].Value);
            }

            writer.WriteEndObject();
            if (outcome.ExceptionMessage is not null)
            {
                writer.WriteString(ExceptionProperty, outcome.ExceptionMessage);
            }

            writer.WriteEndObject();
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            writer.Reset(Stream.Null);
            buffer.ResetWrittenCount();
            t_entryWriter = writer;
            t_entryBuffer = buffer;
        }
    }

    /// <summary>
    /// The history of each check in the report: times and statuses at Components, descriptions too at Full. The window
    /// and capacity are the same for every check; the flaps are the changes the window holds.
    /// </summary>
    private static void WriteHistory(Utf8JsonWriter writer, CheckSlot[] slots, HealthDetailLevel level, JsonEncodedText[] names)
    {
        writer.WriteStartObject(HistoryProperty);
        if (slots.Length > 0)
        {
            WriteDuration(writer, WindowProperty, slots[0].History.Window);
            writer.WriteNumber(CapacityProperty, slots[0].History.Capacity);
        }

        writer.WriteStartObject(ChecksProperty);
        foreach (var slot in slots)
        {
            var entries = slot.History.Snapshot();
            writer.WriteStartObject(names[slot.Index]);
            writer.WriteNumber(FlapsProperty, entries.Length);
            writer.WriteStartArray(ChangesProperty);
            foreach (var entry in entries)
            {
                writer.WriteStartObject();
                writer.WriteString(AtProperty, entry.At);
                if (entry.From is { } from)
                {
                    writer.WriteString(FromProperty, StatusValues[(int)from]);
                }

                writer.WriteString(ToProperty, StatusValues[(int)entry.To]);
                if (level == HealthDetailLevel.Full && entry.Description is not null)
                {
                    writer.WriteString(DescriptionProperty, entry.Description);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static byte[] RenderStatusOnly(HealthStatus status)
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(StatusProperty, StatusValues[(int)status]);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteDuration(Utf8JsonWriter writer, JsonEncodedText property, TimeSpan duration)
    {
        Span<char> text = stackalloc char[32];
        // Stryker disable once String : TimeSpan's empty format is its "c" format
        duration.TryFormat(text, out var written, "c", CultureInfo.InvariantCulture);
        writer.WriteString(property, text[..written]);
    }

    private static void WriteStrings(Utf8JsonWriter writer, JsonEncodedText property, List<string> values)
    {
        if (values.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(property);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case bool flag:
                writer.WriteBooleanValue(flag);
                break;
            case int or short or byte or sbyte or ushort:
                writer.WriteNumberValue(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                break;
            case long number:
                writer.WriteNumberValue(number);
                break;
            case uint number:
                writer.WriteNumberValue(number);
                break;
            case ulong number:
                writer.WriteNumberValue(number);
                break;
            case decimal number:
                writer.WriteNumberValue(number);
                break;
            case double number:
                writer.WriteNumberValue(number);
                break;
            case KeyValuePair<string, object?>[] entries:
                writer.WriteStartObject();
                foreach (var (key, item) in entries)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item);
                }

                writer.WriteEndObject();
                break;
            case object?[] items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
