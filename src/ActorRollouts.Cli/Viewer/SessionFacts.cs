using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Cli.Viewer;

/// <summary>What a fleet page filters and charts by that only a session's own journal holds: its tool calls by tool and
/// by result code (<c>ok</c> or the error code).</summary>
public sealed record SessionFacts(ImmutableSortedDictionary<string, int> Tools, ImmutableSortedDictionary<string, int> ResultCodes)
{
    public static SessionFacts From(SessionState state)
    {
        var results = state.Messages.Select(m => m.ToolResult).OfType<ToolResult>().ToList();
        return new SessionFacts(Count(results.Select(r => r.Name)), Count(results.Select(r => r.ErrorCode ?? "ok")));
    }

    private static ImmutableSortedDictionary<string, int> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
