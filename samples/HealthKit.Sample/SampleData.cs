using System.Data.Common;

/// <summary>A small table of to-dos, so the sample has ordinary endpoints backed by its database.</summary>
internal static class SampleData
{
    public static async Task SeedAsync(DbDataSource db)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL);
            INSERT INTO todos (id, title, done) VALUES
                (1, 'Map /health/live, /health/ready and /health/startup', 1),
                (2, 'Point the Kubernetes probes at them', 0),
                (3, 'Keep the database out of liveness', 1)
            ON CONFLICT (id) DO NOTHING;
            """;
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<List<Todo>> ListTodosAsync(DbDataSource db, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, title, done FROM todos ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var todos = new List<Todo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            todos.Add(new Todo(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2) != 0));
        }

        return todos;
    }
}

/// <summary>A to-do item.</summary>
internal sealed record Todo(long Id, string Title, bool Done);
