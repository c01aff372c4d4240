using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Core.Agents;

/// <summary>One journaled agent turn as a replay needs it: the request as the agent sent it (its thread's messages then, and
/// its tools), what the agent changed in the workspace before it, and the answer it got.</summary>
public sealed record ReplayTurn(int Turn, ImmutableList<Message> Request, ImmutableList<ToolSpec> Tools, ImmutableList<FileChange> Changes, AgentAnswer Answer);

/// <summary>Resume by replay, as pure functions of the journal: the turns a restarted agent program is answered from, and
/// whether its next request (and its workspace before it) is the journal's.</summary>
public static class AgentReplay
{
    /// <summary>The agent turns that stand in <paramref name="events"/>, in order. A fork's start with the turns of its parent
    /// up to the branch point (<paramref name="inherited"/>); turns a replay abandoned are left out.</summary>
    public static ImmutableList<ReplayTurn> From(IEnumerable<ISessionEvent> events, ImmutableList<ReplayTurn>? inherited = null)
    {
        var turns = (inherited ?? []).ToBuilder();
        var state = SessionState.Empty;
        var changes = new Dictionary<string, ImmutableList<FileChange>>(StringComparer.Ordinal);
        (int Turn, ImmutableList<Message> Request, ImmutableList<ToolSpec> Tools, string Model, ModelResponseReceived? Response)? pending = null;
        foreach (var e in events.SelectMany(CoarseEvents.Expand))
        {
            state = state.Apply(e);
            switch (e)
            {
                case FileChanged c:
                    changes[c.ToolCallId] = changes.GetValueOrDefault(c.ToolCallId, []).Add(c.Change);
                    break;
                case AgentRequestReceived r when r.Thread < state.Threads.Count:
                    pending = (r.Turn, state.Threads[r.Thread].Messages, state.Threads[r.Thread].Tools, "", null);
                    break;
                case ModelRequestStarted m when pending is { } p && p.Turn == m.Turn:
                    pending = p with { Model = m.Model };
                    break;
                case ModelResponseReceived m when pending is { } p && p.Turn == m.Turn:
                    pending = p with { Response = m };
                    break;
                case MessageAppended { Thread: not null } a when pending is { Response: { } response } p && a.Message.Role == Roles.Assistant:
                    turns.Add(new ReplayTurn(p.Turn, p.Request, p.Tools, changes.GetValueOrDefault(SessionDecider.AgentTurnChanges(p.Turn), []),
                        Answer(response, p.Model, a.Message)));
                    pending = null;
                    break;
                case ReplayDiverged d:
                    if (d.Kept < turns.Count) turns.RemoveRange(d.Kept, turns.Count - d.Kept);
                    pending = null;
                    break;
                case SessionResumed:
                    pending = null; // a request cut by the interruption was never answered
                    break;
            }
        }
        return turns.ToImmutable();
    }

    /// <summary>What the gateway sends for an answered turn; live and replayed alike, from journaled facts only.</summary>
    public static AgentAnswer Answer(ModelResponseReceived response, string model, Message assistant) =>
        AgentAnswer.Of(response.ResponseId, response.Turn, model, response.Timestamp, assistant, response.FinishReason, response.Usage);

    /// <summary>How the agent's request differs from the journaled one, in words; null when it is the same.</summary>
    public static string? Differs(ReplayTurn journaled, AgentRequest sent)
    {
        for (var i = 0; i < Math.Max(journaled.Request.Count, sent.Messages.Count); i++)
        {
            if (i >= journaled.Request.Count) return $"the request has {sent.Messages.Count} messages, the journal's {journaled.Request.Count}";
            if (i >= sent.Messages.Count) return $"the request has {sent.Messages.Count} messages, the journal's {journaled.Request.Count}";
            if (!AgentThreads.Same(journaled.Request[i], sent.Messages[i]))
                return $"message {i} ({sent.Messages[i].Role}) differs: the journal has {Shown(journaled.Request[i])}, the agent sent {Shown(sent.Messages[i])}";
        }
        return AgentThreads.SameTools(journaled.Tools, sent.Tools) ? null
            : $"the tools differ: the journal has [{string.Join(", ", journaled.Tools.Select(t => t.Name))}], the agent sent [{string.Join(", ", sent.Tools.Select(t => t.Name))}]";
    }

    /// <summary>How the workspace changes the agent made before its request differ from the journaled ones (path, kind,
    /// content hash); null when they are the same.</summary>
    public static string? WorkspaceDiffers(IReadOnlyList<FileChange> journaled, IReadOnlyList<FileChange> now)
    {
        static string Key(FileChange c) => $"{c.Path} {c.Change} {c.Sha256}";
        var (was, @is) = (journaled.Select(Key).ToHashSet(), now.Select(Key).ToHashSet());
        if (was.SetEquals(@is)) return null;
        var missing = journaled.Where(c => !@is.Contains(Key(c))).Select(c => $"{c.Path} {c.Change}").ToList();
        var extra = now.Where(c => !was.Contains(Key(c))).Select(c => $"{c.Path} {c.Change}").ToList();
        return "the workspace differs: " + string.Join("; ", new[]
        {
            missing.Count > 0 ? $"the journal has {string.Join(", ", missing.Take(5))}" : null,
            extra.Count > 0 ? $"the agent now made {string.Join(", ", extra.Take(5))}" : null,
        }.OfType<string>());
    }

    private static string Shown(Message m)
    {
        var text = m.HasToolCalls ? string.Join(", ", m.ToolCalls!.Select(c => $"{c.Name}({c.Arguments})")) : m.Content ?? "";
        return text.Length > 80 ? $"'{text[..80]}…'" : $"'{text}'";
    }
}
