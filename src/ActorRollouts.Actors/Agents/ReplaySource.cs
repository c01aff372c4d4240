using System.Collections.Immutable;
using ActorRollouts.Core.Agents;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Agents;

/// <summary>The journaled turns an agent session's restarted program is replayed: its own, after those of the session it was
/// forked from, up to the branch point (and so on up the line of forks).</summary>
public static class ReplaySource
{
    public static async Task<ImmutableList<ReplayTurn>> TurnsAsync(Trace.JournalReader journal, string sessionId, long? upTo = null)
    {
        var events = await journal.SessionEventsAsync(sessionId);
        var mine = upTo is { } at ? ForkPoint.Prefix(events, at).ToList() : events.Select(e => e.Event).ToList();
        var inherited = mine.SelectMany(CoarseEvents.Expand).FirstOrDefault() is SessionForked fork && fork.From.IsAgent
            ? await TurnsAsync(journal, fork.ParentSessionId, fork.ForkedAtSeq)
            : null;
        return AgentReplay.From(mine, inherited);
    }

    /// <summary>The workspace a replay starts from, as changes over the template: none, or for a fork those its line of
    /// parents started from (the replay makes the rest again).</summary>
    public static async Task<IReadOnlyList<Core.Model.FileChange>> StartChangesAsync(Trace.JournalReader journal, string sessionId)
    {
        var events = await journal.SessionEventsAsync(sessionId);
        return events.Select(e => e.Event).SelectMany(CoarseEvents.Expand).FirstOrDefault() switch
        {
            SessionForked { From.IsAgent: true } fork => await StartChangesAsync(journal, fork.ParentSessionId),
            SessionForked fork => fork.Changes,
            _ => [],
        };
    }
}
