using System.Collections;
using System.Diagnostics.Metrics;

namespace HealthKit.Telemetry;

/// <summary>
/// A reusable list of measurements that is its own enumerator, so that returning it from an observable instrument's
/// callback allocates nothing. Used by one thread at a time, and enumerated once per fill.
/// </summary>
internal sealed class MeasurementBatch<T> : IEnumerable<Measurement<T>>, IEnumerator<Measurement<T>>
    where T : struct
{
    private Measurement<T>[] _items = new Measurement<T>[32];
    private int _count;
    private int _index = -1;

    public Measurement<T> Current => _items[_index];

    object IEnumerator.Current => Current;

    public MeasurementBatch<T> Clear()
    {
        Array.Clear(_items, 0, _count);
        _count = 0;
        _index = -1;
        return this;
    }

    public void Add(Measurement<T> measurement)
    {
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_count++] = measurement;
    }

    public IEnumerator<Measurement<T>> GetEnumerator()
    {
        _index = -1;
        return this;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool MoveNext() => ++_index < _count;

    void IEnumerator.Reset() => _index = -1;

    public void Dispose()
    {
    }
}
