namespace ActorRollouts.Actors.Storage;

/// <summary>Akka.Persistence.Sql's SQLite tables (its default table mapping), so that its read journal (Persistence
/// Query: <c>trace</c>, <c>sessions</c>, <c>workspace</c>) and its snapshot store work on the file our journal writes, and a
/// journal written by either plugin can be continued by the other.</summary>
public static class JournalSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS [journal]
        (
            [ordering]        INTEGER        NOT NULL PRIMARY KEY AUTOINCREMENT,
            [created]         INTEGER        NOT NULL,
            [deleted]         Bit            NOT NULL,
            [persistence_id]  NVarChar(255)  NOT NULL,
            [sequence_number] INTEGER        NOT NULL,
            [message]         VarBinary      NOT NULL,
            [manifest]        NVarChar(500)      NULL,
            [identifier]      INTEGER            NULL,
            [writer_uuid]     NVarChar(128)      NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS journal_uq ON journal (persistence_id, sequence_number);
        CREATE INDEX IF NOT EXISTS journal_created_idx ON journal (created);
        CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON journal (sequence_number);
        CREATE TABLE IF NOT EXISTS [tags]
        (
            [ordering_id]    INTEGER       NOT NULL,
            [tag]            NVarChar(64)  NOT NULL,
            [sequence_nr]    INTEGER       NOT NULL,
            [persistence_id] NVarChar(255) NOT NULL,
            CONSTRAINT [PK_tags] PRIMARY KEY ([ordering_id], [tag])
        );
        CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON tags (persistence_id, sequence_nr);
        CREATE INDEX IF NOT EXISTS tags_tag_idx ON tags (tag);
        """;

    public const string Insert = """
        INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
        VALUES ($created, 0, $persistence_id, $sequence_number, $message, $manifest, $identifier, $writer_uuid)
        """;

    public const string Replay = """
        SELECT sequence_number, message, manifest, identifier, writer_uuid, created FROM journal
        WHERE persistence_id = $persistence_id AND sequence_number >= $from AND sequence_number <= $to AND deleted = 0
        ORDER BY sequence_number LIMIT $max
        """;

    // Deleted rows count: the highest sequence number never goes back, whatever was deleted.
    public const string Highest = "SELECT MAX(sequence_number) FROM journal WHERE persistence_id = $persistence_id";

    public const string Delete = "UPDATE journal SET deleted = 1 WHERE persistence_id = $persistence_id AND sequence_number <= $to";
}
