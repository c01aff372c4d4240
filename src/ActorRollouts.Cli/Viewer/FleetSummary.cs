using System.Collections.Immutable;
using ActorRollouts.Core.Fleets;

namespace ActorRollouts.Cli.Viewer;

/// <summary>A fleet on the viewer's front page, from its own journal alone: sessions by status, the finished sessions'
/// turns, tokens and cost, their rewards (a 10-bin histogram between the lowest and highest), start and end.</summary>
public sealed record FleetSummary(
    string FleetId,
    string Status,
    int Sessions,
    ImmutableSortedDictionary<string, int> ByStatus,
    long Turns,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd,
    RewardSummary? Reward,
    string? Model,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    long Seq)
{
    public static FleetSummary From(string fleetId, FleetState fleet, long seq, bool runActive)
    {
        var figures = fleet.Finished.Values.Select(f => f.Figures).OfType<SessionFigures>().ToList();
        var unfinishedLaunched = fleet.Launched.Count(id => !fleet.Finished.ContainsKey(id));
        var byStatus = fleet.Finished.Values.Select(f => f.Status)
            .Concat(Enumerable.Repeat(runActive ? SessionOutcomes.Running : SessionOutcomes.Interrupted, unfinishedLaunched))
            .Concat(Enumerable.Repeat(SessionOutcomes.Pending, Math.Max(0, fleet.Sessions.Count - fleet.Finished.Count - unfinishedLaunched)))
            .GroupBy(s => s).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var status = fleet.IsComplete ? "complete" : runActive ? "running" : fleet.Launched.IsEmpty ? "pending" : "interrupted";
        return new FleetSummary(fleetId, status, fleet.Sessions.Count, byStatus,
            fleet.FinishedFigures.Turns, fleet.FinishedFigures.InputTokens, fleet.FinishedFigures.OutputTokens, figures.Sum(f => f.CostUsd),
            RewardSummary.Of([.. figures.Select(f => f.Reward).OfType<double>()]),
            fleet.Settings?.Model ?? fleet.Sessions.FirstOrDefault()?.Endpoint.Model,
            fleet.StartedAt, fleet.IsComplete && fleet.Finished.Count > 0 ? fleet.Finished.Values.Max(f => f.Timestamp) : null, seq);
    }
}

/// <summary>Rewards of the graded sessions: how many, their mean and range, and counts in 10 equal bins from min to max.</summary>
public sealed record RewardSummary(int Graded, double Mean, double Min, double Max, ImmutableArray<int> Histogram)
{
    public const int Bins = 10;

    public static RewardSummary? Of(IReadOnlyList<double> rewards)
    {
        if (rewards.Count == 0) return null;
        var (min, max) = (rewards.Min(), rewards.Max());
        var bins = new int[Bins];
        foreach (var r in rewards) bins[max > min ? Math.Min(Bins - 1, (int)((r - min) / (max - min) * Bins)) : 0]++;
        return new RewardSummary(rewards.Count, rewards.Average(), min, max, [.. bins]);
    }
}
