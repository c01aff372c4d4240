using Akka.Actor;
using Akka.Cluster.Sharding;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;

namespace ActorRollouts.Actors.Cluster;

/// <summary>The submitter's end of a cluster fleet: it hands the fleet its run and hands it again every
/// <paramref name="every"/> until the fleet ends — so a fleet that moved to another node, or restarted, knows where to
/// report — and publishes the fleet's progress on this member's EventStream for the progress display. The outcome
/// (<see cref="FleetFinished"/> or <see cref="FleetRejected"/>) completes <paramref name="outcome"/>.</summary>
public sealed class FleetSubmitter : ReceiveActor, IWithTimers
{
    public ITimerScheduler Timers { get; set; } = null!;

    public FleetSubmitter(string fleetId, RunFleet run, IActorRef fleetRegion, TimeSpan every, TaskCompletionSource<object> outcome)
    {
        var envelope = new ShardingEnvelope(fleetId, run);
        Receive<Submit>(_ => fleetRegion.Tell(envelope));
        Receive<FleetProgressed>(p => Context.System.EventStream.Publish(p));
        Receive<FleetFinished>(f => Done(f));
        Receive<FleetRejected>(r => Done(r));

        void Done(object result)
        {
            outcome.TrySetResult(result);
            Context.Stop(Self);
        }

        Self.Tell(Submit.Instance);
        Timers.StartPeriodicTimer("submit", Submit.Instance, every);
    }

    public static Props Props(string fleetId, RunFleet run, IActorRef fleetRegion, TimeSpan every, TaskCompletionSource<object> outcome) =>
        Akka.Actor.Props.Create(() => new FleetSubmitter(fleetId, run, fleetRegion, every, outcome));

    private sealed record Submit
    {
        public static readonly Submit Instance = new();
    }
}
