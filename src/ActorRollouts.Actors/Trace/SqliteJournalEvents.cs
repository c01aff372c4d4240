using System.Collections.Immutable;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Storage;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorRollouts.Actors.Trace;

/// <summary>Events read straight from the embedded SQLite journal, as our journal's replay reads them (deleted ones
/// left out, rows stored apart put back together by the serializer). Akka.Persistence.Sql's read journal gives the same
/// events, but its start-up (linq2db's mapping and query building, Akka Streams, their JIT) cost every CLI command about
/// a second of CPU, and each read a materialised stream. Live following polls as often as Persistence Query's
/// <c>refresh-interval</c>.</summary>
internal sealed class SqliteJournalEvents : IJournalEvents
{
    private readonly Akka.Serialization.Serialization _serialization;
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly TimeSpan _refresh;

    private SqliteJournalEvents(ActorSystem system, string connectionString)
    {
        _serialization = system.Serialization;
        _connectionString = connectionString;
        _pragmas = SqlitePragmas.From(system.Settings.Config).Statement;
        _refresh = system.Settings.Config.GetTimeSpan("akka.persistence.query.journal.sql.refresh-interval", TimeSpan.FromMilliseconds(100));
    }

    /// <summary>The SQLite reader when <paramref name="system"/> journals to an embedded SQLite file; null otherwise.</summary>
    public static SqliteJournalEvents? For(ActorSystem system)
    {
        var connection = system.Settings.Config.GetString("akka.persistence.journal.actor-rollouts-sqlite.connection-string", "");
        return connection.Length == 0 ? null : new SqliteJournalEvents(system, connection);
    }

    public Task<ImmutableList<(long Seq, object Event)>> CurrentAsync(string persistenceId, long fromSeq) =>
        Task.Run(() =>
        {
            var events = ImmutableList.CreateBuilder<(long, object)>();
            using var connection = SqliteConnections.Open(_connectionString, _pragmas);
            if (!SqliteJournalRows.HasJournal(connection)) return [];
            SqliteJournalRows.Replay(connection, persistenceId, Math.Max(fromSeq, 0), long.MaxValue, long.MaxValue,
                row => events.Add((row.SequenceNr, _serialization.Deserialize(row.Message, row.SerializerId, row.Manifest))));
            return events.ToImmutable();
        });

    public Task<ImmutableList<string>> PersistenceIdsAsync() =>
        Task.Run(() =>
        {
            using var connection = SqliteConnections.Open(_connectionString, _pragmas);
            return SqliteJournalRows.HasJournal(connection) ? SqliteJournalRows.PersistenceIds(connection).ToImmutableList() : [];
        });

    public void Follow(string persistenceId, Action<object> onEvent, IMaterializer materializer)
    {
        var next = 0L; // only the one read in flight (parallelism 1) touches it
        Source.Tick(TimeSpan.Zero, _refresh, NotUsed.Instance)
            .SelectAsync(1, async _ =>
            {
                var events = await CurrentAsync(persistenceId, next);
                if (!events.IsEmpty) next = events[^1].Seq + 1;
                return events;
            })
            .RunForeach(events =>
            {
                foreach (var (_, e) in events) onEvent(e);
            }, materializer);
    }
}
