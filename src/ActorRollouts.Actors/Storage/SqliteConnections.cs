using Microsoft.Data.Sqlite;

namespace ActorRollouts.Actors.Storage;

/// <summary>How our journal and snapshot store talk to their file: every connection opened with the configured
/// pragmas (<see cref="Configuration.SqlitePragmas"/>; they are per connection in SQLite).</summary>
internal static class SqliteConnections
{
    public static SqliteConnection Open(string connectionString, string pragmas)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        Execute(connection, pragmas);
        return connection;
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = Command(connection, sql);
        command.ExecuteNonQuery();
    }
}
