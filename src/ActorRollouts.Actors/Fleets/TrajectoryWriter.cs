using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Trajectories;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>Appends one JSON line per finished session to the fleet's trajectories file, flushing each line so a
/// crash loses nothing already reported. Its own actor so file I/O never sits in the supervisor's mailbox.</summary>
public sealed class TrajectoryWriter : ReceiveActor
{
    private readonly StreamWriter _writer;

    public TrajectoryWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append: true) { AutoFlush = true };
        Receive<Trajectory>(t => _writer.WriteLine(JsonSerializer.Serialize(t, RolloutJson.Options)));
    }

    public static Props Props(string path) => Akka.Actor.Props.Create(() => new TrajectoryWriter(path));

    protected override void PostStop() => _writer.Dispose();
}
