using System.Data;
using System.Data.Common;

namespace HealthKit.Tests.Database;

/// <summary>A data source whose connections fail to open with the given message, as a driver would.</summary>
internal sealed class FailingDataSource(string message) : DbDataSource
{
    public override string ConnectionString => string.Empty;

    protected override DbConnection CreateDbConnection() => new FakeConnection(() => throw new FakeDbException(message, "08001"));
}

/// <summary>
/// A data source whose connections never open. With <c>honourToken</c> the wait ends when the token fires; without it,
/// the open blocks its thread, as a driver stuck in a socket read does.
/// </summary>
internal sealed class HangingDataSource(bool honourToken) : DbDataSource
{
    private readonly ManualResetEventSlim _release = new();
    private int _opens;

    public int Opens => Volatile.Read(ref _opens);

    public override string ConnectionString => string.Empty;

    public void Release() => _release.Set();

    protected override DbConnection CreateDbConnection() => new FakeConnection(() =>
    {
        Interlocked.Increment(ref _opens);
        _release.Wait(TimeSpan.FromSeconds(30));
    }, honourToken);

    protected override void Dispose(bool disposing)
    {
        _release.Set();
        base.Dispose(disposing);
    }
}

internal sealed class FakeDbException(string message, string sqlState) : DbException(message)
{
    public override string SqlState => sqlState;
}

internal sealed class FakeConnection(Action open, bool honourToken = false) : DbConnection
{
    private ConnectionState _state = ConnectionState.Closed;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string ConnectionString { get; set; } = string.Empty;

    public override string Database => "fake";

    public override string DataSource => "fake";

    public override string ServerVersion => "0";

    public override ConnectionState State => _state;

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

    public override void Close() => _state = ConnectionState.Closed;

    public override void Open()
    {
        open();
        _state = ConnectionState.Open;
    }

    public override async Task OpenAsync(CancellationToken cancellationToken)
    {
        if (honourToken)
        {
            await Task.Run(open, CancellationToken.None).WaitAsync(cancellationToken);
        }
        else
        {
            Open();
        }

        _state = ConnectionState.Open;
    }

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => throw new NotSupportedException();

    protected override DbCommand CreateDbCommand() => throw new NotSupportedException();
}
