using System.Buffers;
using System.Runtime.Serialization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Actors.Storage;

/// <summary>Journal payloads too large to sit in their row (a model that wrote a 20 MB file), in the SQLite journal:
/// the payload goes in <c>journal_chunks</c>, in pieces of <see cref="ChunkBytes"/> keyed by its row's persistence id
/// and sequence number, in the same transaction as its row, and the row holds
/// <c>{"persistence_id":…,"sequence_number":…,"manifest":…,"length":…}</c> under the manifest <see cref="Manifest"/>.
/// Every reader (replay, Persistence Query, <c>trace</c>, <c>export</c>) gets the event through our serializer, which
/// reads it back. The table sits beside Akka.Persistence.Sql's, which does not know it.
/// <para>Why pieces: bound whole, SQLite would copy the payload and build the whole record in memory; written in place
/// over a zero-filled value (<c>stored-apart.v1</c>), its pages went to the WAL twice (the zeros spilled from the page
/// cache, then the content) and were read back three times. A piece is bound and written once.</para></summary>
public static class StoredApart
{
    public const string Manifest = "stored-apart.v2";

    /// <summary>Rows of a journal written before <see cref="Manifest"/>: their payload sits whole in
    /// <c>journal_content</c>, under its SHA-256. Still read; no longer written.</summary>
    public const string ManifestV1 = "stored-apart.v1";

    public const int ChunkBytes = 1 << 20;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS [journal_chunks]
        (
            [persistence_id]  TEXT    NOT NULL,
            [sequence_number] INTEGER NOT NULL,
            [chunk]           INTEGER NOT NULL,
            [bytes]           BLOB    NOT NULL,
            PRIMARY KEY ([persistence_id], [sequence_number], [chunk])
        );
        """;

    public const string Insert =
        "INSERT INTO journal_chunks (persistence_id, sequence_number, chunk, bytes) VALUES ($persistence_id, $sequence_number, $chunk, $bytes)";

    public static bool Holds(string manifest) => manifest is Manifest or ManifestV1;

    private sealed record Ref(string PersistenceId, long SequenceNumber, string Manifest, long Length);

    private sealed record RefV1(string Sha256, string Manifest, long Length);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>A prepared insert of <paramref name="row"/>'s pieces, reused for every large row of a writer.</summary>
    public sealed class Writer(SqliteConnection connection) : IDisposable
    {
        private readonly SqliteCommand _insert = Command(connection);
        private readonly byte[] _piece = new byte[ChunkBytes];

        /// <summary>Stores the payload's pieces in the current transaction; returns the reference its row holds instead.</summary>
        public byte[] Store(JournalWrite row, SqliteTransaction transaction)
        {
            _insert.Transaction = transaction;
            var p = _insert.Parameters;
            (p["$persistence_id"].Value, p["$sequence_number"].Value) = (row.PersistenceId, row.SequenceNr);
            var rest = row.Message.Sequence;
            for (var chunk = 0; !rest.IsEmpty; chunk++)
            {
                var piece = rest.Slice(0, Math.Min(rest.Length, ChunkBytes));
                piece.CopyTo(_piece);
                // Size binds the piece's own length of the reused array (the last piece is shorter).
                (p["$chunk"].Value, p["$bytes"].Value, p["$bytes"].Size) = (chunk, _piece, (int)piece.Length);
                _insert.ExecuteNonQuery();
                rest = rest.Slice(piece.End);
            }
            return JsonSerializer.SerializeToUtf8Bytes(new Ref(row.PersistenceId, row.SequenceNr, row.Manifest, row.Message.Length), Json);
        }

        public void Dispose() => _insert.Dispose();

        private static SqliteCommand Command(SqliteConnection connection)
        {
            var command = connection.CreateCommand();
            command.CommandText = Insert;
            command.Parameters.Add("$persistence_id", SqliteType.Text);
            command.Parameters.Add("$sequence_number", SqliteType.Integer);
            command.Parameters.Add("$chunk", SqliteType.Integer);
            command.Parameters.Add("$bytes", SqliteType.Blob);
            return command;
        }
    }

    /// <summary>The payload a row of <paramref name="manifest"/> (one <see cref="Holds"/>) refers to, and its own manifest.</summary>
    public static (byte[] Payload, string Manifest) Load(byte[] reference, string manifest, string connectionString)
    {
        if (manifest == ManifestV1) return LoadV1(reference, connectionString);
        var target = JsonSerializer.Deserialize<Ref>(reference, Json) ?? throw new SerializationException("An empty stored-apart reference.");
        using var connection = Open(connectionString, target.Length);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM journal_chunks WHERE persistence_id = $persistence_id AND sequence_number = $sequence_number ORDER BY chunk";
        command.Parameters.AddWithValue("$persistence_id", target.PersistenceId);
        command.Parameters.AddWithValue("$sequence_number", target.SequenceNumber);
        var payload = new byte[target.Length];
        long read = 0;
        using (var reader = command.ExecuteReader())
            while (reader.Read())
            {
                var length = reader.GetBytes(0, 0, null, 0, 0);
                if (read + length > payload.Length) break;
                read += reader.GetBytes(0, 0, payload, (int)read, (int)length);
            }
        return read == payload.Length
            ? (payload, target.Manifest)
            : throw new SerializationException($"The journal refers to {target.Length:N0} bytes stored apart for {target.PersistenceId} #{target.SequenceNumber}, and its journal_chunks table holds {(read == 0 ? "none of them" : "a different length")}.");
    }

    private static (byte[] Payload, string Manifest) LoadV1(byte[] reference, string connectionString)
    {
        var target = JsonSerializer.Deserialize<RefV1>(reference, Json) ?? throw new SerializationException("An empty stored-apart reference.");
        using var connection = Open(connectionString, target.Length);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM journal_content WHERE sha256 = $sha256";
        command.Parameters.AddWithValue("$sha256", target.Sha256);
        var payload = command.ExecuteScalar() as byte[]
            ?? throw new SerializationException($"The journal refers to stored content {target.Sha256[..12]}… ({target.Length:N0} bytes) that is not in its journal_content table.");
        return (payload, target.Manifest);
    }

    private static SqliteConnection Open(string connectionString, long length)
    {
        if (string.IsNullOrEmpty(connectionString))
            throw new SerializationException($"An event of {length:N0} bytes is stored apart in a SQLite journal, and this system has none configured.");
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }
}
