using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorRollouts.Actors.Cluster;

/// <summary>The two sharded entity types of a cluster: sessions keyed by session id, and fleets (their supervisors) keyed
/// by fleet id. Nodes host both (role <see cref="NodeRole"/>); a submitter only sends to them through proxies.</summary>
public static class RolloutSharding
{
    public const string SessionRegion = "session";
    public const string FleetRegion = "fleet";
    public const string NodeRole = "sessions";

    /// <summary>Shards per entity type: about ten per node for the clusters we expect (up to ~100 nodes) lets a joining
    /// node take a fair share without moving every session.</summary>
    public const int Shards = 1000;

    public static IActorRef StartSessions(ActorSystem system, Func<string, Props> entityProps) =>
        ClusterSharding.Get(system).Start(SessionRegion, entityProps, ClusterShardingSettings.Create(system).WithRole(NodeRole),
            new SessionMessages(), ShardAllocation(), HandOff.Instance);

    public static IActorRef StartFleets(ActorSystem system, Func<string, Props> entityProps) =>
        ClusterSharding.Get(system).Start(FleetRegion, entityProps, ClusterShardingSettings.Create(system).WithRole(NodeRole),
            new FleetMessages(), ShardAllocation(), PoisonPill.Instance);

    public static IActorRef FleetProxy(ActorSystem system) =>
        ClusterSharding.Get(system).StartProxy(FleetRegion, NodeRole, new FleetMessages());

    /// <summary>Akka's default allocation (fewest shards first, rebalancing at most a tenth at a time), named so it shows.</summary>
    private static IShardAllocationStrategy ShardAllocation() =>
        ShardAllocationStrategy.LeastShardAllocationStrategy(absoluteLimit: 0, relativeLimit: 0.1);

    /// <summary>A session's entity is asked to stop this way when its shard moves (a node leaving): it stops its session,
    /// which the new node then resumes from the journal.</summary>
    public sealed record HandOff
    {
        public static readonly HandOff Instance = new();
    }

    /// <summary>Every message to a session carries its id (<see cref="IWithSessionId"/>).</summary>
    private sealed class SessionMessages() : HashCodeMessageExtractor(Shards)
    {
        public override string EntityId(object message) => (message as IWithSessionId)?.SessionId!;
    }

    /// <summary>Messages to a fleet travel in a <see cref="ShardingEnvelope"/> addressed by fleet id, which the base class
    /// unwraps itself.</summary>
    private sealed class FleetMessages() : HashCodeMessageExtractor(Shards)
    {
        public override string EntityId(object message) => null!;
    }
}
