using System.Collections.Immutable;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Analysis;

/// <summary>Distribution of one number over the sessions of a fleet.</summary>
public sealed record Distribution(double Total, double Mean, double P50, double P95, double Min, double Max, double Std)
{
    public static Distribution Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) return new Distribution(0, 0, 0, 0, 0, 0, 0);
        var sorted = values.Order().ToArray();
        var mean = sorted.Average();
        return new Distribution(sorted.Sum(), mean, Percentile(sorted, 0.50), Percentile(sorted, 0.95), sorted[0], sorted[^1],
            Math.Sqrt(sorted.Sum(v => (v - mean) * (v - mean)) / sorted.Length));
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>What a training or eval team asks of a finished fleet, computed from the sessions' journals.</summary>
public sealed record FleetStats(
    int Sessions,
    ImmutableSortedDictionary<string, int> ByStatus,
    ImmutableSortedDictionary<string, int> ByStopReason,
    Distribution Turns,
    Distribution InputTokens,
    Distribution OutputTokens,
    Distribution CostUsd,
    ImmutableSortedDictionary<string, int> ToolCallsByTool,
    ImmutableSortedDictionary<string, int> ToolCallsByErrorCode,
    Distribution FilesEditedPerTrajectory,
    int DiffLinesAdded,
    int DiffLinesRemoved,
    int Graded,
    Distribution? Reward,
    int GradingFailed = 0,
    FleetSettings? Settings = null,
    ImmutableList<string>? SettingsChanges = null,
    Tokens.TokenStats? Tokens = null)
{
    public static FleetStats Compute(IReadOnlyList<SessionState> sessions)
    {
        var started = sessions.Where(s => s.Spec is not null).ToList();
        var results = started.SelectMany(s => s.Messages).Select(m => m.ToolResult).OfType<ToolResult>().ToList();
        var diffs = results.SelectMany(r => r.Diffs ?? []).Select(d => DiffLines.Count(d.Diff)).ToList();
        var rewards = started.Where(s => s.Reward is not null).Select(s => s.Reward!.Value).ToList();
        var tools = ToolTally.Of(results);
        return new FleetStats(
            sessions.Count,
            Count(sessions.Select(s => SessionOutcomes.Of(s.Status))),
            Count(started.Where(s => s.StopReason is not null).Select(s => s.StopReason!)),
            Distribution.Of(started.Select(s => (double)s.Turns).ToList()),
            Distribution.Of(started.Select(s => (double)s.Usage.InputTokens).ToList()),
            Distribution.Of(started.Select(s => (double)s.Usage.OutputTokens).ToList()),
            Distribution.Of(started.Select(s => (double)s.CostUsd).ToList()),
            tools.ByTool,
            tools.ByResult,
            Distribution.Of(started.Select(s => (double)FilesEdited(s)).ToList()),
            diffs.Sum(d => d.Added),
            diffs.Sum(d => d.Removed),
            rewards.Count,
            rewards.Count > 0 ? Distribution.Of(rewards) : null,
            started.Count(s => s.GradingError is not null));
    }

    /// <summary>Distinct workspace files a session's tool calls changed.</summary>
    public static int FilesEdited(SessionState session) =>
        session.Messages.Select(m => m.ToolResult).OfType<ToolResult>().SelectMany(r => r.FilesChanged ?? []).Distinct().Count();

    /// <summary>Lines added plus removed over all of a session's diffs.</summary>
    public static int DiffLineCount(SessionState session) =>
        session.Messages.Select(m => m.ToolResult).OfType<ToolResult>().SelectMany(r => r.Diffs ?? [])
            .Select(d => DiffLines.Count(d.Diff)).Sum(c => c.Added + c.Removed);

    private static ImmutableSortedDictionary<string, int> Count(IEnumerable<string> keys) =>
        keys.GroupBy(k => k).ToImmutableSortedDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}
