using Npgsql;

namespace ActorRollouts.Actors.Storage;

/// <summary>Akka.Persistence.Sql's PostgreSQL tables (what its auto-initialize creates through linq2db, as
/// <c>pg_dump --schema-only</c> shows it) and our <c>content</c> table, created once before any ActorSystem writes. Several processes starting at
/// once (the nodes of a cluster) would each try to create them and race; here one transaction-scoped advisory lock
/// lets the first create them while the others wait, then find them there.</summary>
public static class PostgresSchema
{
    /// <summary>Any fixed number, the same in every process: the lock that serialises the creation.</summary>
    private const long CreationLock = 0x41_52_4A_4E; // "ARJN"

    private const string Create = """
        CREATE TABLE IF NOT EXISTS public.journal (
            ordering bigint GENERATED ALWAYS AS IDENTITY,
            created bigint NOT NULL,
            deleted boolean NOT NULL,
            persistence_id text NOT NULL,
            sequence_number bigint NOT NULL,
            message bytea NOT NULL,
            manifest text,
            identifier integer,
            writer_uuid text,
            CONSTRAINT "PK_journal" PRIMARY KEY (ordering),
            CONSTRAINT journal_uq UNIQUE (persistence_id, sequence_number)
        );
        CREATE INDEX IF NOT EXISTS journal_created_idx ON public.journal (created);
        CREATE INDEX IF NOT EXISTS journal_sequence_number_idx ON public.journal (sequence_number);
        CREATE TABLE IF NOT EXISTS public.tags (
            ordering_id bigint NOT NULL,
            tag text NOT NULL,
            sequence_nr bigint NOT NULL,
            persistence_id text NOT NULL,
            CONSTRAINT "PK_tags" PRIMARY KEY (ordering_id, tag)
        );
        CREATE INDEX IF NOT EXISTS tags_persistence_id_sequence_nr_idx ON public.tags (persistence_id, sequence_nr);
        CREATE INDEX IF NOT EXISTS tags_tag_idx ON public.tags (tag);
        CREATE TABLE IF NOT EXISTS public.snapshot (
            persistence_id text NOT NULL,
            sequence_number bigint NOT NULL,
            created bigint NOT NULL,
            snapshot bytea,
            manifest text,
            serializer_id integer,
            CONSTRAINT "PK_snapshot" PRIMARY KEY (persistence_id, sequence_number)
        );
        CREATE INDEX IF NOT EXISTS snapshot_created_idx ON public.snapshot (created);
        CREATE INDEX IF NOT EXISTS snapshot_sequence_number_idx ON public.snapshot (sequence_number);
        -- Ours, not Akka.Persistence.Sql's: captured templates and large file contents, by content hash
        -- (PostgresSharedContent), so workspaces can be rebuilt on any machine that reaches the journal.
        CREATE TABLE IF NOT EXISTS public.content (
            key text PRIMARY KEY,
            bytes bytea NOT NULL
        );
        """;

    /// <summary>Creates the tables and indexes that are missing; safe to run from many processes at once.</summary>
    public static void Ensure(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using (var locking = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({CreationLock})", connection, transaction))
            locking.ExecuteNonQuery();
        using (var create = new NpgsqlCommand(Create, connection, transaction))
            create.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>True when the journal table is there: readers never create an empty journal by mistake.</summary>
    public static bool Exists(string connectionString)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT to_regclass('public.journal') IS NOT NULL", connection);
        return (bool)command.ExecuteScalar()!;
    }
}
