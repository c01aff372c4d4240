using System.Collections.Immutable;
using ActorRollouts.Core.Analysis;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Cli.Viewer;

/// <summary>What a fleet page filters and charts by that only a session's own journal holds: its tool calls by tool
/// and by result code (<c>ok</c> or the error code), the files it changed, its diff lines, its failed model attempts.</summary>
public sealed record SessionFacts(
    ImmutableSortedDictionary<string, int> Tools,
    ImmutableSortedDictionary<string, int> ResultCodes,
    int FilesEdited,
    int DiffLines,
    int FailedAttempts)
{
    public static SessionFacts From(IReadOnlyList<ISessionEvent> events)
    {
        var state = SessionState.From(events);
        var results = state.Messages.Select(m => m.ToolResult).OfType<ToolResult>().ToList();
        return new SessionFacts(Count(results.Select(r => r.Name)), Count(results.Select(r => r.ErrorCode ?? "ok")),
            FleetStats.FilesEdited(state), FleetStats.DiffLineCount(state), events.Count(e => e is ModelRequestFailed));
    }

    private static ImmutableSortedDictionary<string, int> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
