using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using static ActorRollouts.Actors.Sessions.SessionCommands;

namespace ActorRollouts.Actors.Fleets;

/// <summary>Sessions as watched children of the supervisor, named by their (escaped) ids: one process runs the fleet.</summary>
public sealed class LocalSessionLauncher(SessionServices services) : ISessionLauncher
{
    public static string ChildName(string sessionId) => Uri.EscapeDataString(sessionId);

    public static string SessionIdOf(IActorRef child) => Uri.UnescapeDataString(child.Path.Name);

    public void Launch(IActorContext fleet, SessionLaunch launch)
    {
        // An open fleet's policy gate is the supervisor's child.
        var session = fleet.ActorOf(SessionActor.Props(launch.Spec, launch.Served ? services with { PolicyGate = fleet.Child("policy") } : services,
                launch.CancelledBecause, launch.FirstLaunch),
            ChildName(launch.Spec.SessionId));
        fleet.Watch(session);
        session.Tell(new StartSession(launch.Spec));
    }

    public void Cancel(IActorContext fleet, CancelSession cancel) => fleet.Child(ChildName(cancel.SessionId)).Tell(cancel);

    public void UpdateSpec(IActorContext fleet, UpdateSpec update) => fleet.Child(ChildName(update.SessionId)).Tell(update, fleet.Self);

    public void Release(IActorContext fleet, IActorRef session) => fleet.Stop(session);

    public TimeSpan? RefreshInterval => null;

    public bool Sharded => false;
}
