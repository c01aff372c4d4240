using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorRollouts.Actors.Trace;

/// <summary>Events through Akka.Persistence.Sql's read journal: the journal's reader on PostgreSQL.</summary>
internal sealed class PersistenceQueryEvents(ActorSystem system) : IJournalEvents
{
    private readonly SqlReadJournal _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    private readonly IMaterializer _materializer = system.Materializer();

    public Task<ImmutableList<(long Seq, object Event)>> CurrentAsync(string persistenceId, long fromSeq) =>
        _journal.CurrentEventsByPersistenceId(persistenceId, fromSeq, long.MaxValue)
            .RunAggregate(ImmutableList<(long, object)>.Empty, (list, e) => list.Add((e.SequenceNr, e.Event)), _materializer);

    public Task<ImmutableList<string>> PersistenceIdsAsync() =>
        _journal.CurrentPersistenceIds().RunAggregate(ImmutableList<string>.Empty, (list, id) => list.Add(id), _materializer);

    public void Follow(string persistenceId, Action<object> onEvent, IMaterializer materializer) =>
        _journal.EventsByPersistenceId(persistenceId, 0, long.MaxValue).RunForeach(e => onEvent(e.Event), materializer);
}
