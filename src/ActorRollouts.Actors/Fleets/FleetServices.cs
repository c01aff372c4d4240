using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Tasks;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>What a fleet supervisor needs: how to make a session actor, and where finished trajectories go.</summary>
public sealed record FleetServices(SessionServices Sessions, string? TrajectoriesPath)
{
    /// <summary>A session actor for <paramref name="current"/>, the session as the fleet's settings have it now.</summary>
    public Props SessionProps(SessionSpec current, string? cancelledBecause = null) => SessionActor.Props(current, Sessions, cancelledBecause);
}
