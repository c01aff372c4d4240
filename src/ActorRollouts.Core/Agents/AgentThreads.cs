using System.Collections.Immutable;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Agents;

/// <summary>One conversation an agent program keeps with the model: what it sent last plus the model's answer, and the tools
/// it offered. An agent with sub-agents or a summariser keeps several.</summary>
public sealed record AgentThread(ImmutableList<Message> Messages, ImmutableList<ToolSpec> Tools);

/// <summary>One agent turn that stands: its thread, that thread's length before the request (-1: the request began it) and its
/// tools before, when the request changed them. Enough to take the turn back.</summary>
public sealed record AgentTurnMark(int Turn, int Thread, int LengthBefore, ImmutableList<ToolSpec>? ToolsBefore = null);

/// <summary>Where an agent's request belongs among the session's threads: the thread it continues (or the thread and length it
/// branches off), and only what is new in it. Agents resend their whole history every turn; journaling just the new part keeps
/// a long session's journal linear in its length.</summary>
public sealed record ThreadPlacement(int Thread, int? FromThread, int BaseLength, ImmutableList<Message> New, ImmutableList<ToolSpec>? Tools);

public static class AgentThreads
{
    /// <summary>The request continues the thread whose whole transcript it starts with (the longest such); else it is a new
    /// thread, made of the longest prefix it shares with any thread plus the rest. Tools are kept only when they changed.</summary>
    public static ThreadPlacement Place(ImmutableList<AgentThread> threads, AgentRequest request)
    {
        var (best, shared) = (-1, 0);
        for (var t = 0; t < threads.Count; t++)
        {
            var common = CommonPrefix(threads[t].Messages, request.Messages);
            if (common > shared || (common == shared && common > 0 && Continues(threads[t], common) && !Continues(threads[best], shared)))
                (best, shared) = (t, common);
        }
        var continues = best >= 0 && Continues(threads[best], shared);
        var thread = continues ? best : threads.Count;
        var baseTools = best >= 0 ? threads[best].Tools : [];
        return new ThreadPlacement(thread, continues || best < 0 ? null : best, shared, request.Messages.RemoveRange(0, shared),
            SameTools(baseTools, request.Tools) && best >= 0 ? null : request.Tools);
    }

    /// <summary>The thread's messages after a placement: the base's first <paramref name="baseLength"/>, then the new ones.</summary>
    public static ImmutableList<AgentThread> Apply(ImmutableList<AgentThread> threads, int thread, int? fromThread, int baseLength,
        ImmutableList<Message> added, ImmutableList<ToolSpec>? tools)
    {
        if (thread > threads.Count || thread < 0) return threads;
        var source = thread < threads.Count ? threads[thread] : fromThread is { } f && f >= 0 && f < threads.Count ? threads[f] : null;
        var messages = (source?.Messages ?? []).Take(Math.Max(0, baseLength)).ToImmutableList().AddRange(added);
        var placed = new AgentThread(messages, tools ?? source?.Tools ?? []);
        return thread < threads.Count ? threads.SetItem(thread, placed) : threads.Add(placed);
    }

    private static bool Continues(AgentThread thread, int common) => common == thread.Messages.Count;

    private static int CommonPrefix(ImmutableList<Message> journaled, ImmutableList<Message> sent)
    {
        var n = 0;
        while (n < journaled.Count && n < sent.Count && Same(journaled[n], sent[n])) n++;
        return n;
    }

    /// <summary>A message the agent sends back is the one the journal holds if it says the same: role, text, tool calls and
    /// the call it answers. What the wire cannot carry back (reasoning, ids, raw items) is not compared.</summary>
    public static bool Same(Message journaled, Message sent) =>
        journaled.Role == sent.Role
        && (journaled.Content ?? "") == (sent.Content ?? "")
        && journaled.ToolCallId == sent.ToolCallId
        && (journaled.ToolCalls ?? []).Count == (sent.ToolCalls ?? []).Count
        && (journaled.ToolCalls ?? []).Zip(sent.ToolCalls ?? []).All(p => p.First.Id == p.Second.Id && p.First.Name == p.Second.Name
            && p.First.Arguments.Equals(p.Second.Arguments));

    public static bool SameTools(ImmutableList<ToolSpec> a, ImmutableList<ToolSpec> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Name == p.Second.Name && p.First.Description == p.Second.Description
            && Compact(p.First.ParametersSchema) == Compact(p.Second.ParametersSchema));

    /// <summary>A schema as JSON without insignificant whitespace: the journal's copy and the agent's spell it differently.</summary>
    private static string Compact(System.Text.Json.JsonElement schema) => System.Text.Json.JsonSerializer.Serialize(schema);
}
