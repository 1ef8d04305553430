using System.Globalization;
using HealthKit.Npgsql.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HealthKit.Npgsql;

/// <summary>
/// The data source a PostgreSQL check pings: either the application's, used as it is, or one HealthKit builds from a
/// connection string on the first run, so that its connect and command timeouts can follow the check's own timeout.
/// </summary>
/// <remarks>
/// An owned data source is built once and shared by every run; the provider is a singleton in the service provider,
/// which disposes it, and with it the pool, when the application stops.
/// </remarks>
internal sealed class PostgresDataSourceProvider : IAsyncDisposable, IDisposable
{
    /// <summary>
    /// The smallest <c>Maximum Pool Size</c> of a borrowed data source that draws no warning: a probe holds one connection
    /// at a time, so this leaves at least two for the application's own queries while it runs.
    /// </summary>
    public const int RecommendedMinPoolSize = 3;

    /// <summary>Npgsql rejects a connect timeout above this many seconds.</summary>
    private const int MaxDriverSeconds = 1024;

    private readonly Lock _gate = new();
    private readonly string? _connectionString;
    private readonly string _check;
    private NpgsqlDataSource? _dataSource;
    private readonly NpgsqlConnectionStringBuilder? _borrowedSettings;
    private bool _disposed;

    private PostgresDataSourceProvider(NpgsqlDataSource? borrowed, string? connectionString, string check)
    {
        _dataSource = borrowed;
        _connectionString = connectionString;
        _check = check;
        var settings = new NpgsqlConnectionStringBuilder(borrowed?.ConnectionString ?? connectionString);
        // Several hosts ("a,b:5433") carry their own ports.
        Server = settings.Host?.Contains(',', StringComparison.Ordinal) == true
            ? settings.Host
            : string.Create(CultureInfo.InvariantCulture, $"{settings.Host}:{settings.Port}");
        Database = settings.Database;
        PoolSize = settings.Pooling ? settings.MaxPoolSize : null;
        _borrowedSettings = borrowed is null ? null : settings;
    }

    /// <summary>The host and port, as the connection string names them; never the user or password.</summary>
    public string Server { get; }

    /// <summary>The database the connection string names, if any.</summary>
    public string? Database { get; }

    /// <summary>The <c>Maximum Pool Size</c> of the data source, or <see langword="null"/> when it does not pool.</summary>
    public int? PoolSize { get; }

    /// <summary>Whether this provider built (or will build) its data source, and so may set its timeouts.</summary>
    public bool Owns => _connectionString is not null;

    /// <summary>Uses the application's data source as it is, and never disposes it.</summary>
    public static PostgresDataSourceProvider Borrow(NpgsqlDataSource dataSource, string check) => new(dataSource, null, check);

    /// <summary>
    /// Builds a data source from <paramref name="connectionString"/> on first use. It logs nothing of its own: Npgsql
    /// logs every command at Information, and a probe every few seconds would fill the application's logs.
    /// </summary>
    public static PostgresDataSourceProvider Own(string connectionString, string check) => new(null, connectionString, check);

    /// <summary>
    /// The whole seconds Npgsql is given for a deadline of <paramref name="timeout"/>: rounded up, at least 1, or
    /// <see langword="null"/> when there is no finite deadline.
    /// </summary>
    public static int? DriverSeconds(TimeSpan? timeout) =>
        timeout is { } value && value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan
            ? (int)Math.Clamp(Math.Ceiling(value.TotalSeconds), 1, MaxDriverSeconds)
            : null;

    /// <summary>
    /// The data source. An owned one is built on the first call, with connect and command timeouts derived from
    /// <paramref name="checkTimeout"/>, the check's effective timeout; later calls return the same instance.
    /// </summary>
    public NpgsqlDataSource Get(TimeSpan? checkTimeout, ILogger logger)
    {
        var dataSource = Volatile.Read(ref _dataSource);
        if (dataSource is not null)
        {
            return dataSource;
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_dataSource is null)
            {
                var builder = new NpgsqlDataSourceBuilder(_connectionString);
                if (DriverSeconds(checkTimeout) is { } seconds)
                {
                    // Npgsql stops watching the cancellation token once TCP is connected; these bound what it does after.
                    builder.ConnectionStringBuilder.Timeout = seconds;
                    builder.ConnectionStringBuilder.CommandTimeout = seconds;
                }

                Volatile.Write(ref _dataSource, builder.Build());
                Log.DataSourceBuilt(logger, _check, Server, Database, builder.ConnectionStringBuilder.Timeout);
            }

            return _dataSource!;
        }
    }

    /// <summary>
    /// Warns, once at startup, about settings of a borrowed data source that the check cannot change and that let it
    /// hang or starve: no connect or command timeout, and a pool too small to share with the probes.
    /// </summary>
    /// <param name="logger">Where the warnings go.</param>
    /// <param name="description">How the warnings name the data source, for example "the NpgsqlDataSource from DI".</param>
    public void WarnAboutBorrowedSettings(ILogger logger, string description)
    {
        if (_borrowedSettings is not { } settings)
        {
            return;
        }

        var missing = new List<string>(2);
        if (settings.Timeout == 0)
        {
            missing.Add("no connect timeout (Timeout=0)");
        }

        if (settings.CommandTimeout == 0)
        {
            missing.Add("no command timeout (Command Timeout=0)");
        }

        if (missing.Count > 0)
        {
            Log.DataSourceWithoutTimeout(logger, _check, description, string.Join(" and ", missing));
        }

        if (PoolSize is { } poolSize && poolSize < RecommendedMinPoolSize)
        {
            Log.SmallPool(logger, _check, description, poolSize, RecommendedMinPoolSize);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Detach() is { } dataSource)
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => Detach()?.Dispose();

    private NpgsqlDataSource? Detach()
    {
        if (!Owns)
        {
            return null;
        }

        lock (_gate)
        {
            _disposed = true;
            var dataSource = _dataSource;
            _dataSource = null;
            return dataSource;
        }
    }
}
