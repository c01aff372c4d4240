using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Tasks;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>What a fleet supervisor needs: how to make a session actor, and where finished trajectories go.</summary>
public sealed record FleetServices(SessionServices Sessions, string? TrajectoriesPath)
{
    public Props SessionProps(SessionSpec spec) => SessionActor.Props(spec.SessionId, Sessions);
}
