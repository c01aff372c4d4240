using Akka.Actor;
using static ActorRollouts.Actors.Fleets.FleetNotifications;

namespace ActorRollouts.Cli.Service;

/// <summary>Wakes the trajectory streams of a fleet whenever its supervisor publishes progress (a session finished).</summary>
public sealed class ProgressListener : ReceiveActor
{
    public ProgressListener(ServedFleets fleets)
    {
        Receive<FleetProgressed>(p => fleets.Progressed(p.FleetId));
    }

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(FleetProgressed));

    public static Props Props(ServedFleets fleets) => Akka.Actor.Props.Create(() => new ProgressListener(fleets));
}
