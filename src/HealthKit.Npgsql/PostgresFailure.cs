using System.Data.Common;
using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;

namespace HealthKit.Npgsql;

/// <summary>
/// Turns what Npgsql threw into a short description in HealthKit's own words: never the exception's message, which can
/// carry host names, user names and, from some drivers, connection strings.
/// </summary>
internal static class PostgresFailure
{
    private const int MaxChain = 16;

    /// <summary>The description of a failure and the SQLSTATE it carried, if any.</summary>
    public static (string Description, string? SqlState) Describe(Exception exception)
    {
        var sqlState = FindSqlState(exception);
        var reason = sqlState is null ? DescribeWithoutSqlState(exception) : DescribeSqlState(sqlState);
        return (sqlState is null ? reason : $"{reason} (SQLSTATE {sqlState})", sqlState);
    }

    private static string? FindSqlState(Exception exception)
    {
        foreach (var current in Chain(exception))
        {
            if (current is DbException { SqlState: { Length: 5 } state })
            {
                return state;
            }
        }

        return null;
    }

    private static string DescribeSqlState(string sqlState) => sqlState switch
    {
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification => "authentication failed",
        PostgresErrorCodes.InvalidCatalogName => "database does not exist",
        PostgresErrorCodes.AdminShutdown => "server shutting down",
        PostgresErrorCodes.CrashShutdown => "server shutting down after a crash",
        PostgresErrorCodes.CannotConnectNow => "server starting up or shutting down",
        PostgresErrorCodes.ReadOnlySqlTransaction => "server is read-only",
        PostgresErrorCodes.QueryCanceled => "query cancelled",
        PostgresErrorCodes.TooManyConnections => "too many connections",
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => "connection failed",
        _ when sqlState.StartsWith("53", StringComparison.Ordinal) => "server out of resources",
        _ => "query failed",
    };

    private static string DescribeWithoutSqlState(Exception exception)
    {
        foreach (var current in Chain(exception))
        {
            switch (current)
            {
                case TimeoutException:
                    return "timed out";
                case SocketException socket:
                    return socket.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "connection refused",
                        SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "host not found",
                        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown => "host unreachable",
                        SocketError.TimedOut => "timed out",
                        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown => "connection lost",
                        _ => "connection failed",
                    };
                case AuthenticationException:
                    return "TLS handshake failed";
                case EndOfStreamException or IOException:
                    return "connection lost";
            }
        }

        return exception is NpgsqlException ? "connection failed" : "check failed: " + exception.GetType().Name;
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var current = exception;
        for (var i = 0; current is not null && i < MaxChain; i++)
        {
            yield return current;
            current = current is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : current.InnerException;
        }
    }
}
