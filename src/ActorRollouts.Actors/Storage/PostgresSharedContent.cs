using System.Data;
using ActorRollouts.Environments.Workspaces;
using Npgsql;

namespace ActorRollouts.Actors.Storage;

/// <summary>Templates and large file contents in the journal's PostgreSQL database (table <c>content</c>, created with
/// the journal's tables), so a session's workspace can be rebuilt on any machine that reaches the journal. Streams the
/// bytes both ways: a 50 MB template is never one 50 MB buffer here.</summary>
public sealed class PostgresSharedContent(string connectionString) : ISharedContent
{
    public bool Has(string key)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM content WHERE key = $1)", connection) { Parameters = { new() { Value = key } } };
        return (bool)command.ExecuteScalar()!;
    }

    public void Publish(string key, string sourceFile)
    {
        using var connection = Open();
        using var file = File.OpenRead(sourceFile);
        using var command = new NpgsqlCommand("INSERT INTO content (key, bytes) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", connection)
        {
            Parameters = { new() { Value = key }, new() { Value = file, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea } },
        };
        command.ExecuteNonQuery();
    }

    public bool TryFetch(string key, string targetFile)
    {
        using var connection = Open();
        using var command = new NpgsqlCommand("SELECT bytes FROM content WHERE key = $1", connection) { Parameters = { new() { Value = key } } };
        using var reader = command.ExecuteReader(CommandBehavior.SequentialAccess);
        if (!reader.Read()) return false;
        using var bytes = reader.GetStream(0);
        using var target = File.Create(targetFile);
        bytes.CopyTo(target);
        return true;
    }

    private NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }
}
