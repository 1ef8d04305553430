using System.Net;
using System.Net.Sockets;

namespace HealthKit.Npgsql.Tests.Infrastructure;

/// <summary>
/// A loopback TCP listener that accepts every connection and never sends a byte: a dependency that is "up" to the kernel
/// and dead to the application. It counts connections and notices when the client closes one. Given a port to forward
/// to, it stays silent on its first connections only and then relays every later one to that port: a server that hung
/// once and came back.
/// </summary>
internal sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Lock _gate = new();
    private readonly int _silentConnections;
    private readonly int? _forwardTo;
    private int _accepted;
    private int _silent;
    private int _closedByClient;
    private int _forwarded;

    /// <summary>A listener that is silent on every connection.</summary>
    public SilentListener()
        : this(int.MaxValue, null)
    {
    }

    /// <summary>
    /// A listener that is silent on its first <paramref name="silentConnections"/> connections and relays the later ones
    /// to <paramref name="forwardTo"/> on loopback.
    /// </summary>
    public SilentListener(int silentConnections, int? forwardTo)
    {
        _silentConnections = silentConnections;
        _forwardTo = forwardTo;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Every connection accepted, silent or relayed.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>How many accepted connections were held silent.</summary>
    public int Silent => Volatile.Read(ref _silent);

    /// <summary>How many silent connections the client has closed (read returned end of stream).</summary>
    public int ClosedByClient => Volatile.Read(ref _closedByClient);

    /// <summary>How long the most recently closed silent connection stayed open, from its acceptance to the client's close.</summary>
    public TimeSpan? LastOpenFor { get; private set; }

    /// <summary>Silent connections the client still holds open.</summary>
    public int SilentOpen => Silent - ClosedByClient;

    /// <summary>How many connections were relayed to the forwarding port.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_gate)
        {
            foreach (var socket in _sockets)
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
                    _sockets.Add(socket);
                }

                Interlocked.Increment(ref _accepted);
                if (_forwardTo is { } port && Interlocked.Increment(ref _silent) > _silentConnections)
                {
                    Interlocked.Decrement(ref _silent);
                    Interlocked.Increment(ref _forwarded);
                    _ = RelayAsync(socket, port);
                }
                else
                {
                    if (_forwardTo is null)
                    {
                        Interlocked.Increment(ref _silent);
                    }

                    _ = WatchAsync(socket);
                }
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
        var accepted = TimeProvider.System.GetTimestamp();
        var buffer = new byte[1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, _stop.Token) > 0)
            {
            }

            Closed(accepted);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped, or reset by the client.
            if (ex is SocketException)
            {
                Closed(accepted);
            }
        }
    }

    private void Closed(long accepted)
    {
        LastOpenFor = TimeProvider.System.GetElapsedTime(accepted);
        Interlocked.Increment(ref _closedByClient);
    }

    private async Task RelayAsync(Socket client, int port)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        lock (_gate)
        {
            _sockets.Add(server);
        }

        try
        {
            await server.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
            await Task.WhenAny(CopyAsync(client, server), CopyAsync(server, client));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped, or one side went away.
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, _stop.Token)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // One side closed or reset; the caller closes both.
        }
    }
}
