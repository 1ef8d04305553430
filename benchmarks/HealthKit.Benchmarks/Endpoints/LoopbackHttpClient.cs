using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// One keep-alive HTTP/1.1 connection to a server on 127.0.0.1 that sends one prepared <c>GET</c> and reads its answer
/// with blocking socket calls into a buffer allocated once, so that a request allocates nothing on the client's side and
/// what a memory diagnoser counts per request is the server's. Reads <c>Content-Length</c> and chunked answers; anything
/// else, a closed connection or an answer larger than the buffer throws.
/// </summary>
internal sealed class LoopbackHttpClient : IDisposable
{
    private const int BufferSize = 1 << 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly byte[] _request;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _bodyStart;
    private int _bodyLength;

    public LoopbackHttpClient(int port, string path)
    {
        _request = Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\n\r\n");
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = (int)Timeout.TotalMilliseconds,
            SendTimeout = (int)Timeout.TotalMilliseconds,
        };
        _socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
    }

    /// <summary>The status code of the last answer.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The body of the last answer (allocates; for checks outside the measured requests).</summary>
    public string Body => Encoding.UTF8.GetString(_buffer, _bodyStart, _bodyLength);

    /// <summary>Sends the request and reads the whole answer; returns its status code.</summary>
    public int Send()
    {
        for (var sent = 0; sent < _request.Length;)
        {
            sent += _socket.Send(_request, sent, _request.Length - sent, SocketFlags.None);
        }

        var received = 0;
        int headEnd;
        while ((headEnd = _buffer.AsSpan(0, received).IndexOf("\r\n\r\n"u8)) < 0)
        {
            received = Receive(received);
        }

        var head = _buffer.AsSpan(0, headEnd);
        if (head.Length < 12 || !head.StartsWith("HTTP/1.1 "u8) || !Utf8Parser.TryParse(head.Slice(9, 3), out int status, out _))
        {
            throw new InvalidOperationException($"Not an HTTP/1.1 status line: {Encoding.ASCII.GetString(head)}");
        }

        StatusCode = status;
        _bodyStart = headEnd + 4;
        int end;
        if (TryGetHeader(head, "content-length"u8, out var value))
        {
            if (!Utf8Parser.TryParse(value, out int length, out var consumed) || consumed != value.Length)
            {
                throw new InvalidOperationException("Content-Length is not a number.");
            }

            end = _bodyStart + length;
            while (received < end)
            {
                received = Receive(received);
            }

            _bodyLength = length;
        }
        else if (TryGetHeader(head, "transfer-encoding"u8, out value) && Ascii.EqualsIgnoreCase(value, "chunked"u8))
        {
            (received, end) = ReadChunks(received);
        }
        else
        {
            throw new InvalidOperationException($"An answer with neither Content-Length nor chunked encoding: {Encoding.ASCII.GetString(head)}");
        }

        if (received != end)
        {
            throw new InvalidOperationException($"{received - end} bytes beyond the answer.");
        }

        return status;
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>Reads the chunks after the head, moving their data together at <see cref="_bodyStart"/>.</summary>
    private (int Received, int End) ReadChunks(int received)
    {
        var at = _bodyStart;
        var written = _bodyStart;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(at, received - at).IndexOf("\r\n"u8)) < 0)
            {
                received = Receive(received);
            }

            var sizeLine = _buffer.AsSpan(at, lineEnd);
            if (!Utf8Parser.TryParse(sizeLine, out int size, out var consumed, 'x') || consumed != sizeLine.Length)
            {
                throw new InvalidOperationException("A chunk size that is not a hexadecimal number.");
            }

            at += lineEnd + 2;
            while (received < at + size + 2)
            {
                received = Receive(received);
            }

            if (!_buffer.AsSpan(at + size, 2).SequenceEqual("\r\n"u8))
            {
                throw new InvalidOperationException("A chunk not followed by CRLF.");
            }

            _buffer.AsSpan(at, size).CopyTo(_buffer.AsSpan(written));
            written += size;
            at += size + 2;
            if (size == 0)
            {
                _bodyLength = written - _bodyStart;
                return (received, at);
            }
        }
    }

    private int Receive(int received)
    {
        if (received == _buffer.Length)
        {
            throw new InvalidOperationException($"An answer larger than {BufferSize} bytes.");
        }

        var read = _socket.Receive(_buffer, received, _buffer.Length - received, SocketFlags.None);
        return read > 0 ? received + read : throw new InvalidOperationException("The server closed the connection.");
    }

    private static bool TryGetHeader(ReadOnlySpan<byte> head, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon > 0 && Ascii.EqualsIgnoreCase(line[..colon], name))
            {
                var rest = line[(colon + 1)..];
                value = rest[Ascii.Trim(rest)];
                return true;
            }
        }

        value = default;
        return false;
    }
}
