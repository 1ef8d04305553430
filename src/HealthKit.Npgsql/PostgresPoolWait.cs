using System.Diagnostics.Metrics;

namespace HealthKit.Npgsql;

/// <summary>
/// Tells whether one probe's <c>OpenConnectionAsync</c> is waiting for a connection to come back to the pool, rather
/// than for the server.
/// </summary>
/// <remarks>
/// Npgsql exposes no pool state, but it counts requests waiting for a pooled connection in the instrument
/// <c>db.client.connection.npgsql.pending_requests</c>, and adds to it on the thread of the waiting request. A listener
/// that reads an <see cref="AsyncLocal{T}"/> in its callback therefore attributes each wait to the probe that made it,
/// whatever the data source is called and however many pools share its connection string. Should a later Npgsql stop
/// publishing the instrument, no wait is ever seen and a busy pool is reported as "timed out", as before.
/// </remarks>
internal sealed class PostgresPoolWait
{
    private const string MeterName = "Npgsql";
    private const string PendingRequests = "db.client.connection.npgsql.pending_requests";

    private static readonly AsyncLocal<PostgresPoolWait?> Current = new();
    private static readonly MeterListener Listener = StartListener();

    private readonly CancellationTokenSource _open;
    private int _waiting;
    private int _gaveUp;

    /// <summary>Watches the opens that use <see cref="Token"/>, which <see cref="GiveUpIfWaiting"/> cancels.</summary>
    public PostgresPoolWait(CancellationTokenSource open) => _open = open;

    /// <summary>The token the watched open uses.</summary>
    public CancellationToken Token => _open.Token;

    /// <summary>Whether the open was cancelled because it was still waiting for the pool.</summary>
    public bool GaveUp => Volatile.Read(ref _gaveUp) == 1;

    /// <summary>
    /// Attributes the waits of the current asynchronous flow to this instance from now on. Call it inside the async
    /// method that opens, so that the attribution ends with that method.
    /// </summary>
    public void Enter()
    {
        // Touching the listener starts it before the first open that it must see.
        GC.KeepAlive(Listener);
        Current.Value = this;
    }

    /// <summary>Stops attributing waits of the current asynchronous flow.</summary>
    public static void Leave() => Current.Value = null;

    /// <summary>Cancels the open if, and only if, it is waiting for a pooled connection right now.</summary>
    public void GiveUpIfWaiting()
    {
        if (Volatile.Read(ref _waiting) > 0 && Interlocked.Exchange(ref _gaveUp, 1) == 0)
        {
            _open.Cancel();
        }
    }

    private static MeterListener StartListener()
    {
        var listener = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == MeterName && instrument.Name == PendingRequests)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>(static (_, value, _, _) => Current.Value?.Add(value));
        listener.SetMeasurementEventCallback<long>(static (_, value, _, _) => Current.Value?.Add((int)value));
        listener.Start();
        return listener;
    }

    private void Add(int value) => Interlocked.Add(ref _waiting, value);
}
