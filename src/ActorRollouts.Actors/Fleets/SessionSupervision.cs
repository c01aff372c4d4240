using ActorRollouts.Actors.Configuration;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>How a session actor's parent (the supervisor, or a session's cluster entity) treats its crashes.</summary>
public static class SessionSupervision
{
    /// <summary>A session that throws is restarted a few times (it recovers from its journal and goes on); after that it
    /// is stopped, and the fleet records it as failed or relaunches it.</summary>
    public static SupervisorStrategy Strategy(RolloutSettings settings) =>
        new OneForOneStrategy(settings.MaxSessionRestarts, TimeSpan.FromMinutes(1),
            Decider.From(Directive.Restart, Directive.Restart.When<ActorInitializationException>(), Directive.Stop.When<ActorKilledException>()));
}
