using System.Buffers;
using System.Globalization;
using System.Text.Json;
using HealthKit.Endpoints;
using HealthKit.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace HealthKit.HealthJson;

/// <summary>
/// Writes reports as <c>application/health+json</c> (draft-inadarei-api-health-check-06): <c>status</c> pass, warn or
/// fail, and <c>checks</c> keyed <c>component:measurement</c>, each an array of observations.
/// </summary>
internal static class HealthJsonWriter
{
    public const string ContentType = "application/health+json";

    private const string Pass = "pass";
    private const string Warn = "warn";
    private const string Fail = "fail";

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JsonReportWriter.Encoder };

    /// <summary>
    /// Whether the request asks for health+json: its <c>Accept</c> names it with a quality above zero and at least that
    /// of <c>application/json</c>. An explicit <c>?format=</c> always wins, and <c>*/*</c> never asks for it.
    /// </summary>
    public static bool IsRequested(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (!Mentions(accept) || request.Query.ContainsKey("format"))
        {
            return false;
        }

        double healthJson = 0, json = 0;
        if (MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            foreach (var type in types)
            {
                var quality = type.Quality ?? 1;
                if (type.MediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase))
                {
                    healthJson = Math.Max(healthJson, quality);
                }
                else if (type.MediaType.Equals(JsonReportWriter.ContentType, StringComparison.OrdinalIgnoreCase))
                {
                    json = Math.Max(json, quality);
                }
            }
        }

        return healthJson > 0 && healthJson >= json;
    }

    /// <summary>
    /// The report's status word and the status code to answer with. The draft pairs pass and warn with 2xx or 3xx and
    /// fail with 4xx or 5xx, so the two never contradict: an endpoint configured to answer Degraded (or even Healthy) with
    /// 4xx or 5xx says <c>fail</c>, and one configured to answer Unhealthy below 400 answers 503.
    /// </summary>
    public static (string Status, int StatusCode) MapStatus(HealthStatus status, HealthEndpointOptions endpoint)
    {
        switch (status)
        {
            case HealthStatus.Healthy:
                return (endpoint.HealthyStatusCode < 400 ? Pass : Fail, endpoint.HealthyStatusCode);
            case HealthStatus.Degraded:
                return (endpoint.DegradedStatusCode < 400 ? Warn : Fail, endpoint.DegradedStatusCode);
            default:
                return (Fail, endpoint.UnhealthyStatusCode >= 400 ? endpoint.UnhealthyStatusCode : StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>Writes the report. Every value was sanitized when its outcome was produced, so this cannot throw on data.</summary>
    public static void Write(
        IBufferWriter<byte> output,
        string status,
        Evaluation evaluation,
        HealthDetailLevel level,
        HealthJsonIdentity identity,
        ReportNotes? notes)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("status", status);
        if (level >= HealthDetailLevel.Components)
        {
            WriteIfSet(writer, "version", identity.Version);
            WriteIfSet(writer, "releaseId", identity.ReleaseId);
            WriteIfSet(writer, "serviceId", identity.ServiceId);
            WriteIfSet(writer, "description", identity.Description);
        }

        if (notes is not null && notes.Excluded.Count + notes.Warnings.Count > 0)
        {
            writer.WriteStartArray("notes");
            foreach (var excluded in notes.Excluded)
            {
                writer.WriteStringValue($"excluded: {excluded}");
            }

            foreach (var warning in notes.Warnings)
            {
                writer.WriteStringValue(warning);
            }

            writer.WriteEndArray();
        }

        if (level >= HealthDetailLevel.Components)
        {
            writer.WriteStartObject("checks");
            for (var i = 0; i < evaluation.Slots.Length; i++)
            {
                WriteCheck(writer, evaluation.Slots[i], evaluation.Outcomes[i], level, identity);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteCheck(Utf8JsonWriter writer, CheckSlot slot, CheckOutcome outcome, HealthDetailLevel level, HealthJsonIdentity identity)
    {
        var measurement = identity.Measurements.GetValueOrDefault(slot.Name);
        var componentType = measurement?.ComponentType ?? (slot.IsLifecycle ? "system" : "component");
        var status = outcome.Status switch
        {
            HealthStatus.Healthy => Pass,
            HealthStatus.Degraded => Warn,
            _ => Fail,
        };

        // The key stays the same whatever the check returns, so that a client can follow it across failures.
        writer.WriteStartArray(measurement is { Name.Length: > 0 } ? $"{slot.Name}:{measurement.Name}" : slot.Name);
        if (level < HealthDetailLevel.Full)
        {
            WriteObservation(writer, componentId: null, componentType, value: null, unit: null, status, outcome, output: null);
        }
        else
        {
            var output = status == Pass ? null : outcome.Description;
            var observations = Observe(outcome.Data, measurement);
            if (observations.Count == 0)
            {
                WriteObservation(writer, slot.Name, componentType, value: null, unit: null, status, outcome, output);
            }

            foreach (var (componentId, value) in observations)
            {
                WriteObservation(writer, componentId ?? slot.Name, componentType, value, measurement!.Unit, status, outcome, output);
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteObservation(
        Utf8JsonWriter writer,
        string? componentId,
        string componentType,
        double? value,
        string? unit,
        string status,
        CheckOutcome outcome,
        string? output)
    {
        writer.WriteStartObject();
        WriteIfSet(writer, "componentId", componentId);
        writer.WriteString("componentType", componentType);
        if (value is { } observed)
        {
            writer.WriteNumber("observedValue", observed);
            WriteIfSet(writer, "observedUnit", unit);
        }

        writer.WriteString("status", status);
        writer.WriteString("time", outcome.ProducedAt.UtcDateTime);
        WriteIfSet(writer, "output", output);
        writer.WriteEndObject();
    }

    /// <summary>
    /// The observed values in a check's data: the number under the measurement's key, or, when the data holds objects
    /// with that key instead, one value per object, named by the object's key.
    /// </summary>
    private static List<(string? ComponentId, double Value)> Observe(IReadOnlyList<KeyValuePair<string, object?>> data, HealthJsonMeasurement? measurement)
    {
        var observations = new List<(string?, double)>();
        if (measurement?.DataKey is not { } key)
        {
            return observations;
        }

        foreach (var (name, value) in data)
        {
            if (string.Equals(name, key, StringComparison.Ordinal))
            {
                if (TryNumber(value, measurement, out var number))
                {
                    observations.Add((null, number));
                }

                return observations;
            }
        }

        foreach (var (name, value) in data)
        {
            if (value is KeyValuePair<string, object?>[] entries)
            {
                foreach (var (entryKey, entryValue) in entries)
                {
                    if (string.Equals(entryKey, key, StringComparison.Ordinal) && TryNumber(entryValue, measurement, out var number))
                    {
                        observations.Add((name, number));
                    }
                }
            }
        }

        return observations;
    }

    private static bool TryNumber(object? value, HealthJsonMeasurement measurement, out double number)
    {
        number = value switch
        {
            double d => d,
            float f => f,
            decimal m => (double)m,
            long or int or short or byte or sbyte or ushort or uint or ulong => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            _ => double.NaN,
        };
        if (measurement.Transform is { } transform)
        {
            number = Math.Round(transform(number), 2);
        }

        return double.IsFinite(number);
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string property, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(property, value);
        }
    }

    private static bool Mentions(StringValues accept)
    {
        foreach (var value in accept)
        {
            if (value is not null && value.Contains("health+json", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
