using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;

namespace ActorRollouts.Actors.Cluster;

/// <summary>What a node gives the sessions it hosts: their services under a fleet's settings, and the fleets' region.</summary>
public sealed record SessionHosting(Func<SessionLaunch, SessionServices> ServicesFor, IActorRef FleetRegion, Configuration.RolloutSettings Settings);

/// <summary>A session as a sharded entity: it runs its <see cref="SessionActor"/> as a child, reports to the session's fleet
/// by fleet id through the cluster, and passivates once the end is reported. Started without a launch (remember-entities
/// restarting it on a surviving node), it waits for the fleet's next announcement of its running sessions.</summary>
public sealed class SessionEntity : ReceiveActor
{
    private readonly string _sessionId;
    private readonly SessionHosting _hosting;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _session;
    private string? _fleetId;
    private string? _lastTrouble;
    private bool _ended;

    public SessionEntity(string sessionId, SessionHosting hosting)
    {
        _sessionId = sessionId;
        _hosting = hosting;
        Receive<SessionLaunch>(OnLaunch);
        Receive<CancelSession>(c => _session?.Tell(c));
        // A weight update: a session not running here yet resumes under the fleet's settings anyway, so it has nothing to wait for.
        Receive<UpdateSpec>(u =>
        {
            if (_session is null) Sender.Tell(new SpecApplied(u.SessionId));
            else _session.Forward(u);
        });
        Receive<SessionEnded>(ended =>
        {
            _ended = true;
            // Without its trajectory: the whole transcript may exceed a remote message's size, and a cluster fleet writes no
            // trajectories file (its submitter reads them from the journal).
            ToFleet(ended with { Trajectory = null });
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<SessionJournalFailed>(failed =>
        {
            _lastTrouble = failed.Reason;
            ToFleet(failed);
        });
        Receive<Terminated>(t =>
        {
            if (!t.ActorRef.Equals(_session) || _ended) return;
            ToFleet(new SessionStopped(_sessionId, _lastTrouble ?? "the session actor stopped unexpectedly (repeated crash; see the node's log)"));
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Receive<RolloutSharding.HandOff>(_ =>
        {
            _log.Info("Session {0} hands off: its shard moves to another node, where it resumes from its journal", _sessionId);
            Context.Stop(Self);
        });
    }

    public static Props Props(string sessionId, SessionHosting hosting) => Akka.Actor.Props.Create<SessionEntity>(sessionId, hosting);

    protected override SupervisorStrategy SupervisorStrategy() => SessionSupervision.Strategy(_hosting.Settings);

    private void OnLaunch(SessionLaunch launch)
    {
        if (_session is not null) return; // the fleet's periodic announcement of a session that runs here
        _fleetId = launch.FleetId;
        _session = Context.ActorOf(SessionActor.Props(launch.Spec, _hosting.ServicesFor(launch), launch.CancelledBecause, launch.FirstLaunch), "run");
        Context.Watch(_session);
        _session.Tell(new StartSession(launch.Spec));
    }

    private void ToFleet(object message) => _hosting.FleetRegion.Tell(new ShardingEnvelope(_fleetId!, message), Self);
}
