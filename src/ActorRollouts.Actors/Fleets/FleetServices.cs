using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Tasks;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>What a fleet supervisor needs: how to make a session actor, and where finished trajectories go.</summary>
public sealed record FleetServices(SessionServices Sessions, string? TrajectoriesPath)
{
    /// <summary>A session actor for <paramref name="current"/>, the session as the fleet's settings have it now;
    /// <paramref name="firstLaunch"/> when the fleet never launched it before (its journal is empty).</summary>
    public Props SessionProps(SessionSpec current, string? cancelledBecause = null, bool firstLaunch = false) =>
        SessionActor.Props(current, Sessions, cancelledBecause, firstLaunch);
}
