using System.Collections.Immutable;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using static ActorRollouts.Core.Fleets.FleetEvents;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Trace;

/// <summary>Reads sessions and fleets back from the journal through Akka.Persistence.Query — never from live
/// actors — for <c>trace</c>, <c>sessions</c> and analysis.</summary>
public sealed class JournalReader(ActorSystem system)
{
    private readonly SqlReadJournal _journal =
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
    private readonly IMaterializer _materializer = system.Materializer();

    public Task<ImmutableList<(long Seq, ISessionEvent Event)>> SessionEventsAsync(string sessionId) => SessionEventsAfterAsync(sessionId, 0);

    /// <summary>The session's events after sequence number <paramref name="afterSeq"/> (0: all), for readers that follow a
    /// session as it runs. A coarse row comes back as the fine events it stands for, each with the row's sequence
    /// number.</summary>
    public async Task<ImmutableList<(long Seq, ISessionEvent Event)>> SessionEventsAfterAsync(string sessionId, long afterSeq) =>
        (await EventsAsync(sessionId, afterSeq + 1))
        .Where(e => e.Event is ISessionEvent)
        .SelectMany(e => CoarseEvents.Expand((ISessionEvent)e.Event).Select(part => (e.SequenceNr, part)))
        .ToImmutableList();

    public async Task<SessionState> SessionAsync(string sessionId) =>
        SessionState.From((await SessionEventsAsync(sessionId)).Select(e => e.Event));

    public async Task<FleetState> FleetAsync(string fleetId) =>
        FleetState.From((await FleetEventsAfterAsync(fleetId, 0)).Select(e => e.Event));

    /// <summary>The fleet's events after sequence number <paramref name="afterSeq"/>, for readers that keep a fleet's state
    /// and fold only what is new.</summary>
    public async Task<ImmutableList<(long Seq, IFleetEvent Event)>> FleetEventsAfterAsync(string fleetId, long afterSeq) =>
        (await EventsAsync(PersistenceId(fleetId), afterSeq + 1))
        .Where(e => e.Event is IFleetEvent)
        .Select(e => (e.SequenceNr, (IFleetEvent)e.Event))
        .ToImmutableList();

    public async Task<ImmutableList<string>> FleetIdsAsync()
    {
        var ids = await _journal.CurrentPersistenceIds()
            .RunAggregate(ImmutableList<string>.Empty, (list, id) => list.Add(id), _materializer);
        return ids.Where(id => id.StartsWith(PersistenceIdPrefix, StringComparison.Ordinal))
            .Select(id => id[PersistenceIdPrefix.Length..]).Order(StringComparer.Ordinal).ToImmutableList();
    }

    /// <summary>Requests to a fleet (<see cref="FleetControl"/>), those journaled so far and then each new one as it is
    /// journaled, for as long as the ActorSystem runs.</summary>
    /// <param name="materializer">Whose lifetime the following has (an actor's <c>Context.Materializer()</c> ends it
    /// when the actor stops); by default, the system's.</param>
    public void FollowControl(string fleetId, Action<FleetControl.SessionCancelRequested> onRequest, IMaterializer? materializer = null) =>
        _journal.EventsByPersistenceId(FleetControl.PersistenceId(fleetId), 0, long.MaxValue)
            .RunForeach(e =>
            {
                if (e.Event is FleetControl.SessionCancelRequested request) onRequest(request);
            }, materializer ?? _materializer);

    private Task<ImmutableList<EventEnvelope>> EventsAsync(string persistenceId, long fromSeq = 0) =>
        _journal.CurrentEventsByPersistenceId(persistenceId, fromSeq, long.MaxValue)
            .RunAggregate(ImmutableList<EventEnvelope>.Empty, (list, e) => list.Add(e), _materializer);
}
