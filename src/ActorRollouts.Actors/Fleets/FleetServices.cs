using ActorRollouts.Actors.Sessions;

namespace ActorRollouts.Actors.Fleets;

/// <summary>What a fleet supervisor needs: the services its sessions share (settings, clock; locally, everything a session
/// actor needs), where finished trajectories go, and where sessions run (<paramref name="Launcher"/>; default: as its
/// children). <paramref name="Served"/>: the fleet is run by <c>serve</c>, so its model requests pass a policy gate (weight updates).</summary>
public sealed record FleetServices(SessionServices Sessions, string? TrajectoriesPath, ISessionLauncher? Launcher = null, bool Served = false);
