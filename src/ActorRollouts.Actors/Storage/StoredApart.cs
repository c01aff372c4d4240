using System.Runtime.Serialization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Actors.Storage;

/// <summary>Journal payloads too large to sit in their row (a model that wrote a 20 MB file), in the SQLite journal:
/// the payload goes in <c>journal_content</c> under its SHA-256, in the same transaction as its row, and the row holds
/// <c>{"sha256":…,"manifest":…,"length":…}</c> under the manifest <see cref="Manifest"/>. Every reader (replay,
/// Persistence Query, <c>trace</c>, <c>export</c>) gets the event through our serializer, which reads it back. The table
/// sits beside Akka.Persistence.Sql's, which does not know it; its payload column is last, so SQLite can write it in
/// place without building the whole value in memory.</summary>
public static class StoredApart
{
    public const string Manifest = "stored-apart.v1";
    public const string Table = "journal_content";
    public const string Column = "bytes";

    public const string Create = """
        CREATE TABLE IF NOT EXISTS [journal_content]
        (
            [sha256] TEXT NOT NULL PRIMARY KEY,
            [bytes]  BLOB NOT NULL
        );
        """;

    /// <summary>A zero-filled value of the payload's length (then written in place), or nothing if that content is
    /// stored already: the new row's id, or no row.</summary>
    public const string Insert = "INSERT OR IGNORE INTO journal_content (sha256, bytes) VALUES ($sha256, zeroblob($length)) RETURNING rowid";

    private sealed record Ref(string Sha256, string Manifest, long Length);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static byte[] Reference(string sha256, string manifest, long length) =>
        JsonSerializer.SerializeToUtf8Bytes(new Ref(sha256, manifest, length), Json);

    /// <summary>The payload a row of <see cref="Manifest"/> refers to, and its own manifest.</summary>
    public static (byte[] Payload, string Manifest) Load(byte[] reference, string connectionString)
    {
        var target = JsonSerializer.Deserialize<Ref>(reference, Json) ?? throw new SerializationException("An empty stored-apart reference.");
        if (string.IsNullOrEmpty(connectionString))
            throw new SerializationException($"An event of {target.Length:N0} bytes is stored apart in a SQLite journal, and this system has none configured.");
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM journal_content WHERE sha256 = $sha256";
        command.Parameters.AddWithValue("$sha256", target.Sha256);
        var payload = command.ExecuteScalar() as byte[]
            ?? throw new SerializationException($"The journal refers to stored content {target.Sha256[..12]}… ({target.Length:N0} bytes) that is not in its journal_content table.");
        return (payload, target.Manifest);
    }
}
