namespace HealthKit.Tests.Infrastructure;

/// <summary>The sample's SQLite database as a temporary file of its own, deleted (with its pooled connections) on disposal.</summary>
internal sealed class SampleDatabase : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"healthkit-sample-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={Path}";

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(Path);
    }
}
