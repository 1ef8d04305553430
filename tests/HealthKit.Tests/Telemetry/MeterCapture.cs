using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Tests.Telemetry;

/// <summary>
/// Listens to one meter of one application (the meter its <see cref="IMeterFactory"/> created), so that tests running
/// in parallel never see each other's measurements.
/// </summary>
internal sealed class MeterCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<Recorded> _recorded = [];

    public MeterCapture(IServiceProvider services, string meterName = HealthKitTelemetry.MeterName)
    {
        var scope = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Every measurement of a synchronous instrument (counter, histogram) so far.</summary>
    public IReadOnlyList<Recorded> Recorded
    {
        get
        {
            lock (_gate)
            {
                return [.. _recorded.Where(r => !r.Observable)];
            }
        }
    }

    /// <summary>Observes the observable instruments once, as an exporter's collection does, and returns what they reported.</summary>
    public IReadOnlyList<Recorded> Scrape()
    {
        lock (_gate)
        {
            _recorded.RemoveAll(r => r.Observable);
        }

        _listener.RecordObservableInstruments();
        lock (_gate)
        {
            return [.. _recorded.Where(r => r.Observable)];
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var recorded = new Recorded(instrument.Name, instrument.IsObservable, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString()));
        lock (_gate)
        {
            _recorded.Add(recorded);
        }
    }
}

internal sealed record Recorded(string Instrument, bool Observable, double Value, Dictionary<string, string?> Tags)
{
    public bool Has(params (string Key, string Value)[] tags) => tags.All(t => Tags.TryGetValue(t.Key, out var v) && v == t.Value);
}

internal static class RecordedExtensions
{
    public static Recorded[] Where(this IEnumerable<Recorded> recorded, string instrument, params (string Key, string Value)[] tags) =>
        [.. recorded.Where(r => r.Instrument == instrument && r.Has(tags))];

    /// <summary>The one value of the series, or <see langword="null"/> when it was not reported.</summary>
    public static double? Series(this IEnumerable<Recorded> recorded, string instrument, params (string Key, string Value)[] tags) =>
        recorded.Where(instrument, tags) switch
        {
            [] => null,
            [var one] => one.Value,
            var many => throw new InvalidOperationException($"{many.Length} measurements of {instrument} match"),
        };
}
