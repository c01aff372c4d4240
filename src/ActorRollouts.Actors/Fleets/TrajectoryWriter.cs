using System.Buffers;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Trajectories;
using Akka.Actor;

namespace ActorRollouts.Actors.Fleets;

/// <summary>Appends one JSON line per finished session to the fleet's trajectories file, flushing each line so a
/// crash loses nothing already reported. Its own actor so file I/O never sits in the supervisor's mailbox.</summary>
public sealed class TrajectoryWriter : ReceiveActor
{
    private readonly FileStream _file;

    public TrajectoryWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        Receive<Trajectory>(Write);
    }

    /// <summary>Serialised into pooled blocks, then into the file: a trajectory holding a 20 MB tool call is never a
    /// 40 MB string, nor one array grown by doubling.</summary>
    private void Write(Trajectory trajectory)
    {
        using (var line = PooledBuffers.Streams.GetStream(nameof(TrajectoryWriter)))
        {
            using (var writer = new Utf8JsonWriter((IBufferWriter<byte>)line, PooledBuffers.WriterOptions))
            using (DirectStringValues.Into(line, writer))
                JsonSerializer.Serialize(writer, trajectory, RolloutJson.Options);
            line.WriteTo(_file);
        }
        _file.WriteByte((byte)'\n');
        _file.Flush();
    }

    public static Props Props(string path) => Akka.Actor.Props.Create(() => new TrajectoryWriter(path));

    protected override void PostStop() => _file.Dispose();
}
