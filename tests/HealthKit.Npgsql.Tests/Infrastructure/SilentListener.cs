using System.Net;
using System.Net.Sockets;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>
/// A loopback TCP listener that accepts every connection and never sends a byte: a dependency that is "up" to the kernel
/// and dead to the application. It counts connections and notices when the client closes one.
/// </summary>
internal sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _accepted = [];
    private readonly Lock _gate = new();
    private int _closedByClient;

    public SilentListener()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    public int Accepted
    {
        get
        {
            lock (_gate)
            {
                return _accepted.Count;
            }
        }
    }

    /// <summary>How many accepted connections the client has closed (read returned end of stream).</summary>
    public int ClosedByClient => Volatile.Read(ref _closedByClient);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                lock (_gate)
                {
                    _accepted.Add(socket);
                }

                _ = WatchAsync(socket);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task WatchAsync(Socket socket)
    {
        // Read what the client sends (its startup packet) and drop it; a read of zero bytes means the client closed.
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, _stop.Token) > 0)
            {
            }

            Interlocked.Increment(ref _closedByClient);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped, or reset by the client.
            if (ex is SocketException)
            {
                Interlocked.Increment(ref _closedByClient);
            }
        }
    }
}
