using System.Text.Json.Nodes;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Core.Trace;

/// <summary>The trace lines of one session, read in journal order. <c>tool-call-started</c> and
/// <c>confirmation-requested</c> no longer repeat the call's arguments (they are journaled once, in the assistant message
/// that asked for the call); the trace still shows them on those lines, filled in from that message. It remembers a
/// call's arguments only until the call's result is appended, so it holds at most one turn's calls.</summary>
public sealed class SessionTrace
{
    private readonly Dictionary<string, string> _openCalls = [];

    public static IEnumerable<JsonObject> Lines(IEnumerable<(long Seq, ISessionEvent Event)> events)
    {
        var trace = new SessionTrace();
        foreach (var (seq, e) in events)
        foreach (var line in trace.ToLines(seq, e))
            yield return line;
    }

    public IEnumerable<JsonObject> ToLines(long seq, ISessionEvent @event)
    {
        if (@event is ICoarseEvent coarse) return coarse.Parts().SelectMany(part => ToLines(seq, part)).ToList();
        switch (@event)
        {
            case SessionForked fork:
                foreach (var message in fork.From.Messages) Remember(message);
                break;
            case MessageAppended appended:
                Remember(appended.Message);
                break;
            case ToolCallStarted { Arguments: null } started:
                @event = started with { Arguments = ArgumentsOf(started.ToolCallId) };
                break;
            case ConfirmationRequested { Arguments: null } asked:
                @event = asked with { Arguments = ArgumentsOf(asked.ToolCallId) };
                break;
        }
        return TraceLines.ToLines(seq, @event);
    }

    private void Remember(Message message)
    {
        foreach (var call in message.ToolCalls ?? []) _openCalls[call.Id] = call.Arguments.ToString();
        if (message.ToolCallId is { } answered) _openCalls.Remove(answered);
    }

    // A journal always has the assistant message before its calls start; a damaged one shows the gap, not a crash.
    private string ArgumentsOf(string toolCallId) => _openCalls.GetValueOrDefault(toolCallId, "");
}
