using System.Collections.Concurrent;
using ActorRollouts.Actors.Serialization;
using Microsoft.Data.Sqlite;
using static ActorRollouts.Actors.Storage.SqliteConnections;

namespace ActorRollouts.Actors.Storage;

/// <summary>The SQLite side of our journal. Writes go through one connection on one thread of their own (SQLite has
/// one write lock): every write waiting when the thread comes round is committed in one transaction (group commit), with
/// one prepared INSERT reused for every row. If that transaction fails, each write of the batch is tried again in its
/// own, so one bad write fails alone. Reads (replay, highest sequence number) use pooled connections of their own; in WAL
/// mode they see a consistent snapshot and never wait for the writer. The log is checkpointed by a thread of its own
/// (<see cref="WalCheckpointer"/>), never inside the writer's commits.</summary>
public sealed class SqliteJournalStore : IDisposable
{
    private abstract record Request
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record Write(IReadOnlyList<JournalWrite> Rows) : Request;

    private sealed record Delete(string PersistenceId, long ToSequenceNr) : Request;

    private const int MaxRequestsPerTransaction = 2_000;

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly BlockingCollection<Request> _queue = new();
    private readonly Thread _writer;
    private readonly WalCheckpointer _checkpointer;

    public SqliteJournalStore(string connectionString, string pragmas)
    {
        _connectionString = connectionString;
        _pragmas = pragmas;
        using (var connection = Open())
        {
            Execute(connection, JournalSchema.Create);
            Execute(connection, StoredApart.Create);
        }
        _checkpointer = new WalCheckpointer(Open);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "sqlite-journal-writer" };
        _writer.Start();
    }

    /// <summary>Completes once <paramref name="rows"/> are committed (all of them or none).</summary>
    public Task WriteAsync(IReadOnlyList<JournalWrite> rows) => Enqueue(new Write(rows));

    /// <summary>Marks events up to <paramref name="toSequenceNr"/> deleted (they stay in the table, as with
    /// Akka.Persistence.Sql's logical delete; replay skips them).</summary>
    public Task DeleteAsync(string persistenceId, long toSequenceNr) => Enqueue(new Delete(persistenceId, toSequenceNr));

    public long HighestSequenceNr(string persistenceId)
    {
        using var connection = Open();
        using var command = Command(connection, JournalSchema.Highest);
        command.Parameters.AddWithValue("$persistence_id", persistenceId);
        return command.ExecuteScalar() is long highest ? highest : 0;
    }

    /// <summary>The events of <paramref name="persistenceId"/> from <paramref name="from"/> to <paramref name="to"/>,
    /// at most <paramref name="max"/>, in order, not deleted.</summary>
    public void Replay(string persistenceId, long from, long to, long max, Action<JournalRow> onRow)
    {
        using var connection = Open();
        SqliteJournalRows.Replay(connection, persistenceId, from, to, max, onRow);
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _writer.Join(TimeSpan.FromSeconds(30));
        _checkpointer.Dispose();
        _queue.Dispose();
    }

    private Task Enqueue(Request request)
    {
        try
        {
            _queue.Add(request);
        }
        catch (InvalidOperationException)
        {
            request.Done.SetException(new ObjectDisposedException(nameof(SqliteJournalStore), "the journal is stopping"));
        }
        return request.Done.Task;
    }

    /// <summary>If the writer cannot go on (its connection cannot be opened), every write fails with the reason rather
    /// than waiting forever: the sessions stop and their supervisor records why.</summary>
    private void WriteLoop()
    {
        try
        {
            WriteAll();
        }
        catch (Exception ex)
        {
            foreach (var request in _queue.GetConsumingEnumerable())
                request.Done.TrySetException(new InvalidOperationException($"the SQLite journal's writer stopped: {ex.Message}", ex));
        }
    }

    private void WriteAll()
    {
        using var connection = Open();
        Execute(connection, WalCheckpointer.WriterPragma);
        using var insert = Command(connection, JournalSchema.Insert);
        var (created, persistenceId, sequenceNr, message, manifest, identifier, writerUuid) = (
            insert.Parameters.Add("$created", SqliteType.Integer), insert.Parameters.Add("$persistence_id", SqliteType.Text),
            insert.Parameters.Add("$sequence_number", SqliteType.Integer), insert.Parameters.Add("$message", SqliteType.Blob),
            insert.Parameters.Add("$manifest", SqliteType.Text), insert.Parameters.Add("$identifier", SqliteType.Integer),
            insert.Parameters.Add("$writer_uuid", SqliteType.Text));
        using var storeApart = new StoredApart.Writer(connection);
        using var delete = Command(connection, JournalSchema.Delete);
        var (deletePid, deleteTo) = (delete.Parameters.Add("$persistence_id", SqliteType.Text), delete.Parameters.Add("$to", SqliteType.Integer));

        void Apply(Request request)
        {
            switch (request)
            {
                case Write write:
                    foreach (var row in write.Rows)
                    {
                        var (payload, rowManifest) = row.Message.Length > PooledBytes.KeepPooledAbove && row.SerializerId == RolloutEventSerializer.Id
                            ? (storeApart.Store(row, insert.Transaction!), StoredApart.Manifest)
                            : (row.Message.ToArray(), row.Manifest);
                        (created.Value, persistenceId.Value, sequenceNr.Value, message.Value) = (row.Created, row.PersistenceId, row.SequenceNr, payload);
                        (manifest.Value, identifier.Value, writerUuid.Value) = (rowManifest, row.SerializerId, (object?)row.WriterUuid ?? DBNull.Value);
                        insert.ExecuteNonQuery();
                    }
                    break;
                case Delete d:
                    (deletePid.Value, deleteTo.Value) = (d.PersistenceId, d.ToSequenceNr);
                    delete.ExecuteNonQuery();
                    break;
            }
        }

        var batch = new List<Request>();
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxRequestsPerTransaction && _queue.TryTake(out var next)) batch.Add(next);
            // One write, or a batch that failed as a whole: each in its own transaction, so only a bad one fails.
            if (batch.Count == 1 || !TryInTransaction(connection, insert, delete, batch, Apply, failAlone: false))
                foreach (var request in batch)
                    TryInTransaction(connection, insert, delete, [request], Apply, failAlone: true);
            _checkpointer.Committed();
        }
        Execute(connection, WalCheckpointer.DefaultPragma);
    }

    private static bool TryInTransaction(SqliteConnection connection, SqliteCommand insert, SqliteCommand delete,
        IReadOnlyList<Request> requests, Action<Request> apply, bool failAlone)
    {
        try
        {
            using (var transaction = connection.BeginTransaction())
            {
                (insert.Transaction, delete.Transaction) = (transaction, transaction);
                foreach (var request in requests) apply(request);
                transaction.Commit();
            }
            foreach (var request in requests) request.Done.TrySetResult();
            return true;
        }
        catch (Exception ex)
        {
            if (failAlone) requests[0].Done.TrySetException(ex);
            return false;
        }
    }

    private SqliteConnection Open() => SqliteConnections.Open(_connectionString, _pragmas);
}
