using System.Collections.Concurrent;
using ActorRollouts.Actors.Cluster;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Storage;
using ActorRollouts.Providers.OpenAI;
using Akka.Actor;

namespace ActorRollouts.Cli.Hosting;

/// <summary>What a node hosts: the session, fleet and gate regions, with the services a session needs under its fleet's
/// settings. Nodes share nothing but the journal (PostgreSQL): a session that lands here rebuilds its workspace in this
/// node's data dir from the journal.</summary>
public sealed class ClusterNode
{
    private readonly ActorSystem _system;
    private readonly JournalLocation _journal;
    private readonly RolloutSettings _hocon;
    private readonly OpenAiModelClient _modelClient;
    private readonly string _workspacesDir;
    private readonly IActorRef _gates;
    private readonly IActorRef _policyGates;
    private readonly ConcurrentDictionary<string, IActorRef> _gateForwarders = new();

    /// <summary>This node as <c>host:port</c>, journaled with every session it starts or resumes.</summary>
    private readonly string _address;

    /// <summary>This node's agent gateway: the sessions it hosts that run their own agent program use it.</summary>
    private readonly Actors.Agents.AgentGatewayLinks? _agents;

    private ClusterNode(ActorSystem system, JournalLocation journal, RolloutSettings hocon, ClusterMember member, Actors.Agents.AgentGatewayLinks? agents)
    {
        _agents = agents;
        _address = $"{member.Host}:{member.Port}";
        _system = system;
        _journal = journal;
        _hocon = hocon;
        _modelClient = new OpenAiModelClient(hocon.Provider.Client);
        _workspacesDir = new FleetPaths(journal.DataDir, "-").WorkspacesDir;
        _gates = ShardedGates.Start(system, TimeProvider.System);
        _policyGates = ShardedGates.StartPolicyGates(system);
    }

    public static ClusterNode Start(ActorSystem system, JournalLocation journal, RolloutSettings hocon, ClusterMember member,
        Actors.Agents.AgentGatewayLinks? agents = null)
    {
        var node = new ClusterNode(system, journal, hocon, member, agents);
        FleetRun.CheckWorkspaces(node._workspacesDir);
        var refresh = system.Settings.Config.GetTimeSpan("actor-rollouts.cluster.session-refresh-interval", TimeSpan.FromSeconds(2));
        IActorRef sessions = ActorRefs.Nobody;
        // Each region's entities need the other's region; entities start only after both regions exist.
        var holder = $"actor-rollouts node {node._address} pid {Environment.ProcessId}";
        var fleets = RolloutSharding.StartFleets(system, fleetId => FleetEntity.Props(fleetId,
            RolloutSupervisor.Props(fleetId, new FleetServices(node.FleetWide(), TrajectoriesPath: null, new ShardedSessionLauncher(sessions, refresh), node._policyGates)),
            id => SharedFleetLock.Acquire(journal.Url!, id, holder)));
        sessions = RolloutSharding.StartSessions(system, sessionId => SessionEntity.Props(sessionId, new SessionHosting(node.ServicesFor, fleets, hocon)));
        return node;
    }

    /// <summary>What a fleet's supervisor reads: restart and relaunch limits and the clock (its sessions get their own).</summary>
    private SessionServices FleetWide() => new(_modelClient, _hocon, _workspacesDir, TimeProvider.System, Shared: _journal.SharedContent);

    private SessionServices ServicesFor(SessionLaunch launch)
    {
        var settings = _hocon.Under(launch.Settings);
        var limits = settings.Gate.Limits;
        var url = launch.Spec.Endpoint.BaseUrl;
        var gates = limits.IsUnlimited ? null : new Dictionary<string, IActorRef> { [url] = GateFor(ShardedGates.GateId(launch.FleetId, url, limits)) };
        return new SessionServices(_modelClient, settings, _workspacesDir, TimeProvider.System, gates, Shared: _journal.SharedContent, Node: _address,
            PolicyGate: launch.Served ? _gateForwarders.GetOrAdd($"policy|{launch.FleetId}", _ => _system.ActorOf(ShardedGates.Forwarder(_policyGates, launch.FleetId))) : null,
            Agents: _agents);
    }

    private IActorRef GateFor(string gateId) =>
        _gateForwarders.GetOrAdd(gateId, id => _system.ActorOf(ShardedGates.Forwarder(_gates, id)));
}
