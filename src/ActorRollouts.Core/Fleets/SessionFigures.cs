using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Fleets;

/// <summary>What the summary table and <c>sessions</c> show of a finished session, journaled with its outcome in the
/// fleet's journal: the end of a run then reads one small journal, not every session's whole journal again.
/// <paramref name="Tools"/> is null in journals from before 2026-11-26's viewer.</summary>
public sealed record SessionFigures(
    int Turns, Usage Usage, decimal CostUsd, double? Reward, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? Node = null, int Resumes = 0,
    ToolTally? Tools = null)
{
    public static SessionFigures From(SessionState state) =>
        new(state.Turns, state.Usage, state.CostUsd, state.Reward, state.StartedAt, state.EndedAt, state.Node, state.Resumes, ToolTally.Of(state));
}
