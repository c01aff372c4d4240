using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Model;
using Akka.Actor;

namespace ActorRollouts.Cli.Output;

/// <summary><c>run --watch SESSION_ID</c>: prints one session's streamed deltas (text, reasoning summaries, tool
/// arguments) as they arrive, labelled whenever the kind changes. Fed from the EventStream; nothing here is journaled.</summary>
public sealed class WatchPrinter : ReceiveActor
{
    private string? _lastKind;
    private int _lastTurn;

    public WatchPrinter(string sessionId, TextWriter output)
    {
        Receive<SessionNotifications.SessionDelta>(d => d.SessionId == sessionId, d =>
        {
            var label = d.Delta.Kind == ModelDelta.ToolArgumentsKind ? $"{d.Delta.Kind} {d.Delta.ToolCallId}" : d.Delta.Kind;
            if (label != _lastKind || d.Turn != _lastTurn)
                output.Write($"\n[{sessionId} turn {d.Turn} {label}] ");
            (_lastKind, _lastTurn) = (label, d.Turn);
            output.Write(d.Delta.Text);
        });
    }

    public static Props Props(string sessionId, TextWriter output) => Akka.Actor.Props.Create(() => new WatchPrinter(sessionId, output));

    protected override void PreStart() => Context.System.EventStream.Subscribe(Self, typeof(SessionNotifications.SessionDelta));

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
