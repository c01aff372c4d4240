using ActorRollouts.Actors.Configuration;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Snapshot;
using Microsoft.Data.Sqlite;
using static ActorRollouts.Actors.Storage.SqliteConnections;

namespace ActorRollouts.Actors.Storage;

/// <summary>The embedded snapshot store: Akka.Persistence.Sql's SQLite snapshot table (<see cref="SnapshotSchema"/>)
/// read and written through Microsoft.Data.Sqlite directly. With our journal and journal reader beside it, nothing in a
/// run starts linq2db: its start-up (mapping, query building, their JIT) cost about a second of CPU, 0.1-0.3 ms per
/// step of a 15 s benchmark fleet. Reads run on pooled connections in parallel; writes one at a time, since SQLite has
/// one write lock and the journal's writer holds it often (<c>busy_timeout</c> lets a write wait its turn). Not sealed:
/// tests count the loads it is asked for.</summary>
public class SqliteSnapshotStore : SnapshotStore
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly SemaphoreSlim _oneWriteAtATime = new(1, 1);

    public SqliteSnapshotStore(Config config)
    {
        _connectionString = config.GetString("connection-string", "");
        if (string.IsNullOrEmpty(_connectionString))
            throw new ConfigurationException("actor-rollouts' SQLite snapshot store needs a connection-string (set from --data-dir at start).");
        _pragmas = SqlitePragmas.From(Context.System.Settings.Config).Statement;
        _serialization = Context.System.Serialization;
        using var connection = Open();
        Execute(connection, SnapshotSchema.Create);
    }

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            using var connection = Open();
            using var command = Matching(connection, SnapshotSchema.Latest, persistenceId, criteria);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            var metadata = new SnapshotMetadata(persistenceId, reader.GetInt64(0), new DateTime(reader.GetInt64(1)));
            var snapshot = _serialization.Deserialize((byte[])reader.GetValue(2), reader.GetInt32(4), reader.IsDBNull(3) ? "" : reader.GetString(3));
            return (SelectedSnapshot?)new SelectedSnapshot(metadata, snapshot);
        }, cancellationToken);

    protected override Task SaveAsync(SnapshotMetadata metadata, object snapshot, CancellationToken cancellationToken)
    {
        // Serialised here, so an unserialisable snapshot fails the save without taking the write turn.
        var serializer = _serialization.FindSerializerFor(snapshot);
        var bytes = serializer.ToBinary(snapshot);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, snapshot);
        return WriteAsync(connection =>
        {
            using var command = Command(connection, SnapshotSchema.Save);
            command.Parameters.AddWithValue("$persistence_id", metadata.PersistenceId);
            command.Parameters.AddWithValue("$sequence_number", metadata.SequenceNr);
            command.Parameters.AddWithValue("$created", metadata.Timestamp.Ticks);
            command.Parameters.AddWithValue("$snapshot", bytes);
            command.Parameters.AddWithValue("$manifest", manifest);
            command.Parameters.AddWithValue("$serializer_id", serializer.Identifier);
            command.ExecuteNonQuery();
        }, cancellationToken);
    }

    /// <summary>The one snapshot at the metadata's sequence number; if the metadata has a timestamp, only if it is not
    /// newer than that (as Akka.Persistence.Sql does).</summary>
    protected override Task DeleteAsync(SnapshotMetadata metadata, CancellationToken cancellationToken) =>
        DeleteMatchingAsync(metadata.PersistenceId, new SnapshotSelectionCriteria(metadata.SequenceNr,
            metadata.Timestamp == DateTime.MinValue ? DateTime.MaxValue : metadata.Timestamp, metadata.SequenceNr, null), cancellationToken);

    protected override Task DeleteAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        DeleteMatchingAsync(persistenceId, criteria, cancellationToken);

    protected override void PostStop()
    {
        _oneWriteAtATime.Dispose();
        base.PostStop();
    }

    private Task DeleteMatchingAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancellationToken) =>
        WriteAsync(connection =>
        {
            using var command = Matching(connection, SnapshotSchema.DeleteMatching, persistenceId, criteria);
            command.ExecuteNonQuery();
        }, cancellationToken);

    private async Task WriteAsync(Action<SqliteConnection> write, CancellationToken cancellationToken)
    {
        await _oneWriteAtATime.WaitAsync(cancellationToken);
        try
        {
            await Task.Run(() =>
            {
                using var connection = Open();
                write(connection);
            }, cancellationToken);
        }
        finally
        {
            _oneWriteAtATime.Release();
        }
    }

    private static SqliteCommand Matching(SqliteConnection connection, string sql, string persistenceId, SnapshotSelectionCriteria criteria)
    {
        var command = Command(connection, sql);
        command.Parameters.AddWithValue("$persistence_id", persistenceId);
        command.Parameters.AddWithValue("$min_sequence_nr", criteria.MinSequenceNr);
        command.Parameters.AddWithValue("$max_sequence_nr", criteria.MaxSequenceNr);
        command.Parameters.AddWithValue("$min_created", (criteria.MinTimestamp ?? DateTime.MinValue).Ticks);
        command.Parameters.AddWithValue("$max_created", criteria.MaxTimeStamp.Ticks);
        return command;
    }

    private SqliteConnection Open() => SqliteConnections.Open(_connectionString, _pragmas);
}
