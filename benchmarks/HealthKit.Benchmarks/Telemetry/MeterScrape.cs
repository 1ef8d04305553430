using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Benchmarks.Telemetry;

/// <summary>
/// A listener on one application's HealthKit meter (the meter its <see cref="IMeterFactory"/> created, not another
/// application's in the same process) that counts the measurements it receives. <see cref="Record"/> observes every
/// observable instrument once, as an exporter's collection does.
/// </summary>
internal sealed class MeterScrape : IDisposable
{
    private readonly MeterListener _listener;
    private long _measurements;

    public MeterScrape(IServiceProvider services)
    {
        var factory = services.GetRequiredService<IMeterFactory>();
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == HealthKitTelemetry.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<int>((_, _, _, _) => _measurements++);
        _listener.SetMeasurementEventCallback<long>((_, _, _, _) => _measurements++);
        _listener.SetMeasurementEventCallback<double>((_, _, _, _) => _measurements++);
        _listener.Start();
    }

    /// <summary>How many measurements the scrapes so far have reported.</summary>
    public long Measurements => _measurements;

    public void Record() => _listener.RecordObservableInstruments();

    public void Dispose() => _listener.Dispose();
}
