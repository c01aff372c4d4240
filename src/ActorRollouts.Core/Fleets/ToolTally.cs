using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Fleets;

/// <summary>A session's tool calls counted by tool and by result (<c>ok</c> or the error code): what a fleet's viewer
/// filters and charts by, journaled with the session's outcome so no session's own journal has to be read for it.
/// Equal when the counts are (the dictionaries alone would compare by reference).</summary>
public sealed record ToolTally(ImmutableSortedDictionary<string, int> ByTool, ImmutableSortedDictionary<string, int> ByResult)
{
    public static ToolTally Of(SessionState state) => Of(state.Messages.Select(m => m.ToolResult).OfType<ToolResult>());

    /// <summary>Tool results counted by tool and by result: one session's, or a whole fleet's (<c>stats</c>).</summary>
    public static ToolTally Of(IEnumerable<ToolResult> results)
    {
        var all = results.ToList();
        return new ToolTally(Count(all.Select(r => r.Name)), Count(all.Select(r => r.ErrorCode ?? "ok")));
    }

    public bool Equals(ToolTally? other) =>
        other is not null && ByTool.SequenceEqual(other.ByTool) && ByResult.SequenceEqual(other.ByResult);

    public override int GetHashCode() => HashCode.Combine(ByTool.Count, ByResult.Count, ByTool.Values.Sum());

    private static ImmutableSortedDictionary<string, int> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
