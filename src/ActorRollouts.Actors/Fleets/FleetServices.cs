using ActorRollouts.Actors.Sessions;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>What a fleet supervisor needs: the services its sessions share (settings, clock; locally, everything a session
/// actor needs), where finished trajectories go, and where sessions run (<paramref name="Launcher"/>; default: as its
/// children). An open fleet's model requests pass a policy gate (weight updates): its supervisor's child, or in a cluster the
/// fleet's entity in <paramref name="PolicyGates"/>.</summary>
public sealed record FleetServices(SessionServices Sessions, string? TrajectoriesPath, ISessionLauncher? Launcher = null, IActorRef? PolicyGates = null);
