using System.Globalization;
using ActorRollouts.Actors.Providers;
using ActorRollouts.Core.Gates;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorRollouts.Actors.Cluster;

/// <summary>One <see cref="EndpointGate"/> per fleet and endpoint in the whole cluster, as a sharded entity: every node's
/// sessions ask the same gate, so <c>--max-concurrent-requests/--rpm/--tpm</c> hold for the fleet, not per node. The
/// entity id carries the limits (<c>fleet|concurrent|requests|tokens|window-ms|base-url</c>), so any node can start it;
/// a fleet whose limits change gets a new gate. If a gate's node is lost, a new one starts empty on another node: for
/// one window, requests admitted by the lost gate are not counted.</summary>
public static class ShardedGates
{
    public const string Region = "gate";

    public static IActorRef Start(ActorSystem system, TimeProvider time) =>
        ClusterSharding.Get(system).Start(Region, id => EndpointGate.Props(LimitsOf(id), time),
            ClusterShardingSettings.Create(system).WithRole(RolloutSharding.NodeRole).WithRememberEntities(false), new GateMessages());

    public static string GateId(string fleetId, string baseUrl, GateLimits limits) => string.Join('|',
        fleetId, N(limits.MaxConcurrent), N(limits.RequestsPerWindow), N(limits.TokensPerWindow),
        ((long)limits.Window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), baseUrl);

    private static string N(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    public static GateLimits LimitsOf(string gateId)
    {
        var parts = gateId.Split('|', 6);
        static long? Read(string part) => part == "-" ? null : long.Parse(part, CultureInfo.InvariantCulture);
        return new GateLimits((int?)Read(parts[1]), (int?)Read(parts[2]), Read(parts[3]), TimeSpan.FromMilliseconds(Read(parts[4])!.Value));
    }

    public const string PolicyRegion = "policy";

    /// <summary>One <see cref="PolicyGate"/> per open fleet in the whole cluster, keyed by fleet id: every node's sessions of
    /// the fleet pass the same gate, so a weight update holds, waits for or cuts requests cluster-wide. A gate restarted on
    /// another node starts closed and opens when its fleet next tells it the version (every refresh interval).</summary>
    public static IActorRef StartPolicyGates(ActorSystem system) =>
        ClusterSharding.Get(system).Start(PolicyRegion, _ => PolicyGate.Props(),
            ClusterShardingSettings.Create(system).WithRole(RolloutSharding.NodeRole).WithRememberEntities(false), new GateMessages());

    /// <summary>A local stand-in for one gate (or any entity of <paramref name="region"/>): providers talk to it as to a local gate; it forwards (keeping the provider as
    /// sender, so the gate answers and watches the provider itself).</summary>
    public static Props Forwarder(IActorRef region, string gateId) => Props.Create(() => new GateForwarder(region, gateId));

    private sealed class GateForwarder : ReceiveActor
    {
        public GateForwarder(IActorRef region, string gateId) => ReceiveAny(message => region.Forward(new ShardingEnvelope(gateId, message)));
    }

    private sealed class GateMessages() : HashCodeMessageExtractor(RolloutSharding.Shards)
    {
        public override string EntityId(object message) => null!;
    }
}
