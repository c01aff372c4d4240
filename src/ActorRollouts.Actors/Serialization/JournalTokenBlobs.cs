using ActorRollouts.Core.Tokens;
using ActorRollouts.Environments.Workspaces;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Actors.Serialization;

/// <summary>The blob store a SQLite journal's large token arrays go to: <c>blobs/</c> beside the journal file, where large
/// file contents already are. A PostgreSQL journal has none here (the serializer does not know a data dir for it), so its
/// rows keep their tokens inline.</summary>
internal sealed class JournalTokenBlobs(BlobStore blobs) : ITokenBlobStore
{
    public static JournalTokenBlobs? ForSqlite(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString)) return null;
        var file = new SqliteConnectionStringBuilder(connectionString).DataSource;
        if (string.IsNullOrEmpty(file) || file == ":memory:") return null;
        return new JournalTokenBlobs(new BlobStore(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "blobs")));
    }

    public string Put(ReadOnlySpan<byte> content) => blobs.Put(content);

    public byte[] Get(string sha256)
    {
        using var stream = blobs.Open(sha256);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
