using Microsoft.Data.Sqlite;
using static ActorRollouts.Actors.Storage.SqliteConnections;

namespace ActorRollouts.Actors.Storage;

/// <summary>Reading the journal table as stored: what the journal's replay and <see cref="Trace.JournalReader"/> on a
/// SQLite file share.</summary>
internal static class SqliteJournalRows
{
    /// <summary>The events of <paramref name="persistenceId"/> from <paramref name="from"/> to <paramref name="to"/>,
    /// at most <paramref name="max"/>, in order, not deleted.</summary>
    public static void Replay(SqliteConnection connection, string persistenceId, long from, long to, long max, Action<JournalRow> onRow)
    {
        if (max <= 0 || to < from) return;
        using var command = Command(connection, JournalSchema.Replay);
        command.Parameters.AddWithValue("$persistence_id", persistenceId);
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$max", max);
        using var reader = command.ExecuteReader();
        while (reader.Read())
            onRow(new JournalRow(persistenceId, reader.GetInt64(0), reader.GetInt64(5), (byte[])reader.GetValue(1),
                reader.IsDBNull(2) ? "" : reader.GetString(2), reader.IsDBNull(3) ? 0 : reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
    }

    /// <summary>False for a file whose journal has not been created yet (a fleet's first <c>run</c> reads before its
    /// journal plugin starts): a reader then finds nothing, and creates nothing.</summary>
    public static bool HasJournal(SqliteConnection connection)
    {
        using var command = Command(connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'");
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Every persistence id with an event (deleted ones included, as Persistence Query lists them).</summary>
    public static List<string> PersistenceIds(SqliteConnection connection)
    {
        using var command = Command(connection, "SELECT DISTINCT persistence_id FROM journal");
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read()) ids.Add(reader.GetString(0));
        return ids;
    }
}
