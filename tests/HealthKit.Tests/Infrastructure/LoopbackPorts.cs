using System.Net;
using System.Net.Sockets;

namespace HealthKit.Tests.Infrastructure;

/// <summary>
/// Loopback ports for tests. A server that can bind port 0 should (Kestrel does: start it on
/// <c>http://127.0.0.1:0</c> and read the address back, as <see cref="SampleProcess"/> does); this is for the rest.
/// </summary>
internal static class LoopbackPorts
{
    /// <summary>
    /// A port nothing listened on a moment ago: bound, read and released. Another process can take it before it is used,
    /// so use it only where a refused connection is the point, or through <see cref="StartOnUnusedPortAsync"/>.
    /// </summary>
    public static int Unused()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Starts a server that must be told its port in advance (PostgreSQL): <paramref name="start"/> gets an unused port and
    /// is tried again on another one, up to three times in all, when it fails because the port was taken in between.
    /// </summary>
    public static async Task<int> StartOnUnusedPortAsync(Func<int, Task> start)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Unused();
            try
            {
                await start(port);
                return port;
            }
            catch (Exception) when (attempt < 3 && IsTaken(port))
            {
            }
        }
    }

    /// <summary>Whether something is listening on <paramref name="port"/> now.</summary>
    public static bool IsTaken(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
