namespace ActorRollouts.Actors.Storage;

/// <summary>Akka.Persistence.Sql's SQLite snapshot table (its default mapping; <c>created</c> in ticks), so that a data
/// dir written by either snapshot store can be read by the other. Every query takes all four bounds of a
/// <see cref="Akka.Persistence.SnapshotSelectionCriteria"/>; an open bound comes as its extreme (0, <c>long.MaxValue</c>,
/// the first or last tick).</summary>
public static class SnapshotSchema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS [snapshot]
        (
            [persistence_id]  NVarChar(255) NOT NULL,
            [sequence_number] INTEGER       NOT NULL,
            [created]         INTEGER       NOT NULL,
            [snapshot]        VarBinary         NULL,
            [manifest]        NVarChar(500)     NULL,
            [serializer_id]   INTEGER           NULL,
            CONSTRAINT [PK_snapshot] PRIMARY KEY ([persistence_id], [sequence_number])
        );
        CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON snapshot (sequence_number);
        CREATE INDEX IF NOT EXISTS snapshot_created_idx ON snapshot (created);
        """;

    private const string Matching = """
        persistence_id = $persistence_id AND sequence_number BETWEEN $min_sequence_nr AND $max_sequence_nr
        AND created BETWEEN $min_created AND $max_created
        """;

    /// <summary>The newest matching snapshot (by sequence number, as Akka.Persistence.Sql picks it).</summary>
    public const string Latest = $"""
        SELECT sequence_number, created, snapshot, manifest, serializer_id FROM snapshot
        WHERE {Matching} ORDER BY sequence_number DESC LIMIT 1
        """;

    /// <summary>A second save at the same sequence number replaces the first.</summary>
    public const string Save = """
        INSERT OR REPLACE INTO snapshot (persistence_id, sequence_number, created, snapshot, manifest, serializer_id)
        VALUES ($persistence_id, $sequence_number, $created, $snapshot, $manifest, $serializer_id)
        """;

    public const string DeleteMatching = $"DELETE FROM snapshot WHERE {Matching}";
}
