using System.Net.Sockets;
using Npgsql;

namespace HealthKit.Npgsql.Tests;

/// <summary>
/// The descriptions of failures the live tests cannot provoke on demand. Each is in HealthKit's words and carries the
/// SQLSTATE where there is one; none repeats the exception's message.
/// </summary>
public sealed class PostgresFailureTests
{
    public static TheoryData<string, string> ServerErrors => new()
    {
        { "28000", "authentication failed (SQLSTATE 28000)" },
        { "57P02", "server shutting down after a crash (SQLSTATE 57P02)" },
        { "57P03", "server starting up or shutting down (SQLSTATE 57P03)" },
        { "57014", "query cancelled (SQLSTATE 57014)" },
        { "53300", "too many connections (SQLSTATE 53300)" },
        { "53200", "server out of resources (SQLSTATE 53200)" },
        { "08006", "connection failed (SQLSTATE 08006)" },
        { "XX000", "query failed (SQLSTATE XX000)" },
    };

    public static TheoryData<SocketError, string> SocketErrors => new()
    {
        { SocketError.ConnectionRefused, "connection refused" },
        { SocketError.HostNotFound, "host not found" },
        { SocketError.TryAgain, "host not found" },
        { SocketError.HostUnreachable, "host unreachable" },
        { SocketError.NetworkUnreachable, "host unreachable" },
        { SocketError.TimedOut, "timed out" },
        { SocketError.ConnectionReset, "connection lost" },
        { SocketError.AccessDenied, "connection failed" },
    };

    [Theory]
    [MemberData(nameof(ServerErrors))]
    public void Describe_PostgresException_NamesTheFailureAndSqlState(string sqlState, string expected)
    {
        var exception = new PostgresException("the server's own words", "FATAL", "FATAL", sqlState);

        var (description, state) = PostgresFailure.Describe(new NpgsqlException("wrapped", exception));

        Assert.Equal(expected, description);
        Assert.Equal(sqlState, state);
    }

    [Theory]
    [MemberData(nameof(SocketErrors))]
    public void Describe_SocketError_NamesTheFailure(SocketError error, string expected)
    {
        var (description, state) = PostgresFailure.Describe(new NpgsqlException("Failed to connect to db.internal:5432", new SocketException((int)error)));

        Assert.Equal(expected, description);
        Assert.Null(state);
    }

    [Fact]
    public void Describe_DriverTimeout_IsTimedOut()
    {
        Assert.Equal("timed out", PostgresFailure.Describe(new NpgsqlException("The operation has timed out", new TimeoutException())).Description);
    }

    [Fact]
    public void Describe_ConnectionClosedByServer_IsConnectionLost()
    {
        Assert.Equal("connection lost", PostgresFailure.Describe(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())).Description);
    }

    [Fact]
    public void Describe_OtherException_NamesOnlyItsType()
    {
        Assert.Equal("check failed: InvalidOperationException", PostgresFailure.Describe(new InvalidOperationException("Password=secret")).Description);
        Assert.Equal("connection failed", PostgresFailure.Describe(new NpgsqlException("No password has been provided")).Description);
    }
}
