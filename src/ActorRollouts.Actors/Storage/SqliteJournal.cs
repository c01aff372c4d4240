using System.Collections.Immutable;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;

namespace ActorRollouts.Actors.Storage;

/// <summary>The embedded journal: Akka.Persistence.Sql's SQLite tables written through Microsoft.Data.Sqlite directly
/// (<see cref="SqliteJournalStore"/>), without linq2db's per-write transaction, bulk-copy and SQL-building layers that
/// cost about 1 ms of CPU per step. Akka.Persistence.Sql still reads the file (Persistence Query), and stays the plugin
/// for PostgreSQL and any other server database (<see cref="SqliteSnapshotStore"/> keeps the embedded snapshots). Tags are not supported (nothing here
/// tags its events); a tagged write is rejected.</summary>
public sealed class SqliteJournal : AsyncWriteJournal
{
    private readonly SqliteJournalStore _store;
    private readonly Akka.Serialization.Serialization _serialization;

    public SqliteJournal(Config config)
    {
        var connectionString = config.GetString("connection-string", "");
        if (string.IsNullOrEmpty(connectionString))
            throw new ConfigurationException("actor-rollouts' SQLite journal needs a connection-string (set from --data-dir at start).");
        _serialization = Context.System.Serialization;
        _store = new SqliteJournalStore(connectionString, SqlitePragmas.From(Context.System.Settings.Config).Statement);
    }

    protected override async Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        var rows = new List<JournalWrite>();
        var rejections = new Exception?[writes.Count];
        for (var i = 0; i < writes.Count; i++)
        {
            // An event that cannot be serialised is rejected alone: the session is told, the journal goes on.
            try
            {
                rows.AddRange(((IImmutableList<IPersistentRepresentation>)writes[i].Payload).Select(ToRow).ToList());
            }
            catch (Exception ex)
            {
                rejections[i] = ex;
            }
        }
        try
        {
            if (rows.Count > 0) await _store.WriteAsync(rows);
        }
        finally
        {
            foreach (var row in rows) row.Message.Dispose();
        }
        return rejections.All(r => r is null) ? null! : rejections.ToImmutableList();
    }

    protected override Task DeleteMessagesToAsync(string persistenceId, long toSequenceNr, CancellationToken cancellationToken) =>
        _store.DeleteAsync(persistenceId, toSequenceNr);

    // SQLite reads are synchronous: off the journal actor's thread, so it keeps taking writes meanwhile.
    public override Task<long> ReadHighestSequenceNrAsync(string persistenceId, long fromSequenceNr, CancellationToken cancellationToken) =>
        Task.Run(() => _store.HighestSequenceNr(persistenceId), cancellationToken);

    public override Task ReplayMessagesAsync(IActorContext context, string persistenceId, long fromSequenceNr, long toSequenceNr,
        long max, Action<IPersistentRepresentation> recoveryCallback) =>
        Task.Run(() => _store.Replay(persistenceId, fromSequenceNr, toSequenceNr, max, row => recoveryCallback(FromRow(row))));

    protected override void PostStop()
    {
        _store.Dispose();
        base.PostStop();
    }

    private JournalWrite ToRow(IPersistentRepresentation message)
    {
        if (message.Payload is Tagged)
            throw new NotSupportedException("actor-rollouts' SQLite journal does not store tags; use Akka.Persistence.Sql for tagged events.");
        var serializer = _serialization.FindSerializerFor(message.Payload);
        var payload = serializer is RolloutEventSerializer ours ? ours.ToPooledBytes(message.Payload) : new PooledBytes(serializer.ToBinary(message.Payload));
        return new JournalWrite(message.PersistenceId, message.SequenceNr, DateTime.UtcNow.Ticks, payload,
            Akka.Serialization.Serialization.ManifestFor(serializer, message.Payload), serializer.Identifier, message.WriterGuid);
    }

    private Persistent FromRow(JournalRow row) =>
        new(_serialization.Deserialize(row.Message, row.SerializerId, row.Manifest), row.SequenceNr, row.PersistenceId,
            row.Manifest, isDeleted: false, ActorRefs.NoSender, row.WriterUuid, row.Created);
}
