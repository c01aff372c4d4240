using ActorRollouts.Core.Fleets;
using Akka.Actor;
using Akka.Persistence;

namespace ActorRollouts.Actors.Fleets;

/// <summary>Journals requests to a fleet (see <see cref="FleetControl"/>) for the <c>cancel</c> command, and answers once
/// each is stored.</summary>
public sealed class FleetControlWriter : ReceivePersistentActor
{
    public sealed record RequestCancel(string SessionId, string Reason);

    /// <summary>The request is journaled; <paramref name="Earlier"/> is how many were journaled before it.</summary>
    public sealed record Recorded(long Earlier);

    private readonly string _fleetId;

    public override string PersistenceId => FleetControl.PersistenceId(_fleetId);

    public FleetControlWriter(string fleetId, TimeProvider time)
    {
        _fleetId = fleetId;
        Recover<FleetControl.SessionCancelRequested>(_ => { });
        Command<RequestCancel>(request =>
        {
            var sender = Sender;
            var earlier = LastSequenceNr;
            Persist(new FleetControl.SessionCancelRequested(request.SessionId, request.Reason, time.GetUtcNow()), _ => sender.Tell(new Recorded(earlier)));
        });
    }

    public static Props Props(string fleetId, TimeProvider time) => Akka.Actor.Props.Create(() => new FleetControlWriter(fleetId, time));
}
