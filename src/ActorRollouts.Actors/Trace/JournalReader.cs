using System.Collections.Immutable;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Streams;
using static ActorRollouts.Core.Fleets.FleetEvents;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Trace;

/// <summary>Reads sessions and fleets back from the journal — never from live actors — for <c>trace</c>, <c>sessions</c>,
/// the viewer and analysis: the embedded SQLite file directly, PostgreSQL through Akka.Persistence.Query.</summary>
public sealed class JournalReader(ActorSystem system)
{
    private readonly IJournalEvents _events = (IJournalEvents?)SqliteJournalEvents.For(system) ?? new PersistenceQueryEvents(system);

    public Task<ImmutableList<(long Seq, ISessionEvent Event)>> SessionEventsAsync(string sessionId) => SessionEventsAfterAsync(sessionId, 0);

    /// <summary>The session's events after sequence number <paramref name="afterSeq"/> (0: all), for readers that follow a
    /// session as it runs. A coarse row comes back as the fine events it stands for, each with the row's sequence
    /// number.</summary>
    public async Task<ImmutableList<(long Seq, ISessionEvent Event)>> SessionEventsAfterAsync(string sessionId, long afterSeq) =>
        (await _events.CurrentAsync(sessionId, afterSeq + 1))
        .Where(e => e.Event is ISessionEvent)
        .SelectMany(e => CoarseEvents.Expand((ISessionEvent)e.Event).Select(part => (e.Seq, part)))
        .ToImmutableList();

    public async Task<SessionState> SessionAsync(string sessionId) =>
        SessionState.From((await SessionEventsAsync(sessionId)).Select(e => e.Event));

    public async Task<FleetState> FleetAsync(string fleetId) =>
        FleetState.From((await FleetEventsAfterAsync(fleetId, 0)).Select(e => e.Event));

    /// <summary>The fleet's events after sequence number <paramref name="afterSeq"/>, for readers that keep a fleet's state
    /// and fold only what is new.</summary>
    public async Task<ImmutableList<(long Seq, IFleetEvent Event)>> FleetEventsAfterAsync(string fleetId, long afterSeq) =>
        (await _events.CurrentAsync(PersistenceId(fleetId), afterSeq + 1))
        .Where(e => e.Event is IFleetEvent)
        .Select(e => (e.Seq, (IFleetEvent)e.Event))
        .ToImmutableList();

    public async Task<ImmutableList<string>> FleetIdsAsync()
    {
        var ids = await _events.PersistenceIdsAsync();
        return ids.Where(id => id.StartsWith(PersistenceIdPrefix, StringComparison.Ordinal))
            .Select(id => id[PersistenceIdPrefix.Length..]).Order(StringComparer.Ordinal).ToImmutableList();
    }

    /// <summary>Requests to a fleet (<see cref="FleetControl"/>), those journaled so far and then each new one as it is
    /// journaled, for as long as the ActorSystem runs.</summary>
    /// <param name="materializer">Whose lifetime the following has (an actor's <c>Context.Materializer()</c> ends it
    /// when the actor stops); by default, the system's.</param>
    public void FollowControl(string fleetId, Action<FleetControl.SessionCancelRequested> onRequest, IMaterializer? materializer = null) =>
        _events.Follow(FleetControl.PersistenceId(fleetId), e =>
        {
            if (e is FleetControl.SessionCancelRequested request) onRequest(request);
        }, materializer ?? system.Materializer());
}
