using ActorRollouts.Actors.Fleets;
using Akka.Actor;
using static ActorRollouts.Actors.Sessions.SessionCommands;

namespace ActorRollouts.Actors.Cluster;

/// <summary>Sessions as sharded entities, addressed by id through the session region wherever they run. A launch is
/// idempotent at the entity (one that runs its session ignores it), so the fleet re-announces its running sessions every
/// <paramref name="refreshInterval"/>: an entity restarted on another node after its node was lost learns from that which
/// fleet it belongs to and resumes from its journal.</summary>
public sealed class ShardedSessionLauncher(IActorRef sessionRegion, TimeSpan refreshInterval) : ISessionLauncher
{
    public void Launch(IActorContext fleet, SessionLaunch launch) => sessionRegion.Tell(launch, fleet.Self);

    public void Cancel(IActorContext fleet, CancelSession cancel) => sessionRegion.Tell(cancel, fleet.Self);

    public void UpdateSpec(IActorContext fleet, UpdateSpec update) => sessionRegion.Tell(update, fleet.Self);

    public void Release(IActorContext fleet, IActorRef session) { } // the entity passivates itself once it reported

    public TimeSpan? RefreshInterval => refreshInterval;

    public bool Sharded => true;
}
