using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Tasks;
using Akka.Actor;
using static ActorRollouts.Actors.Sessions.SessionCommands;

namespace ActorRollouts.Actors.Fleets;

/// <summary>A session the fleet starts: its spec as the fleet's settings have it now, under those settings.
/// <paramref name="FirstLaunch"/> only when the fleet's journal says it never ran (its own journal is empty).
/// <paramref name="Served"/>: the fleet is open, and the session's model requests pass its policy gate.</summary>
public sealed record SessionLaunch(string FleetId, SessionSpec Spec, FleetSettings? Settings, string? CancelledBecause, bool FirstLaunch, bool Served = false)
    : Sessions.IWithSessionId
{
    public string SessionId => Spec.SessionId;
}

/// <summary>Where a fleet's sessions run: as children of its supervisor in one process (<see cref="LocalSessionLauncher"/>),
/// or as sharded entities anywhere in a cluster (<c>Cluster.ShardedSessionLauncher</c>). The supervisor's bookkeeping —
/// slots, relaunches, outcomes — is the same for both.</summary>
public interface ISessionLauncher
{
    void Launch(IActorContext fleet, SessionLaunch launch);

    void Cancel(IActorContext fleet, CancelSession cancel);

    /// <summary>A weight update for a running session; it answers the fleet with <c>SpecApplied</c>.</summary>
    void UpdateSpec(IActorContext fleet, UpdateSpec update);

    /// <summary>The session reported its end: its actor may go.</summary>
    void Release(IActorContext fleet, IActorRef session);

    /// <summary>How often the fleet re-announces its running sessions (null: never). A sharded session restarted on
    /// another node learns its spec from the next announcement.</summary>
    TimeSpan? RefreshInterval { get; }

    /// <summary>The fleet is a sharded entity: it continues itself after a restart, tells its requester of progress,
    /// and passivates when complete.</summary>
    bool Sharded { get; }
}
