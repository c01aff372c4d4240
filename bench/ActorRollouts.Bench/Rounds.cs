using System.Globalization;
using System.Text;

namespace ActorRollouts.Bench;

/// <summary>One mode's figures in one round of a run with <c>--rounds N</c>.</summary>
public sealed record RoundResult(int Round, ModeResult Result);

/// <summary>Several rounds of the same modes, interleaved (round 1: every mode, then round 2: every mode, …), so a
/// slow phase of this machine falls on every mode alike instead of on whichever ran then. Why: a mode's steps/s moves
/// ±15–30% between back-to-back runs here, more than most changes we want to measure.</summary>
public static class Rounds
{
    /// <summary>Each mode's median round by steps/s (the upper one of the middle two for an even count): the figures
    /// the tables and the targets use.</summary>
    public static IReadOnlyList<ModeResult> Medians(IReadOnlyList<RoundResult> rounds) =>
        rounds.GroupBy(r => r.Result.Mode)
            .Select(mode =>
            {
                var sorted = mode.Select(r => r.Result).OrderBy(r => r.StepsPerSecond).ToList();
                return sorted[sorted.Count / 2];
            })
            .ToList();

    /// <summary>For each mode, its steps/s over bare-loop's of the same round, round by round, and their median:
    /// a ratio that a phase of the machine moves much less than either figure.</summary>
    public static string RatiosByRound(IReadOnlyList<RoundResult> rounds)
    {
        var bare = rounds.Where(r => r.Result.Mode == "bare-loop").ToDictionary(r => r.Round, r => r.Result);
        if (bare.Count < 2) return "";
        var text = new StringBuilder("| mode | ÷ bare-loop, round by round | median |\n|---|---|---:|\n");
        foreach (var mode in rounds.Where(r => r.Result.Mode != "bare-loop").GroupBy(r => r.Result.Mode))
        {
            var ratios = mode.Where(r => bare.ContainsKey(r.Round))
                .Select(r => r.Result.StepsPerSecond / bare[r.Round].StepsPerSecond).ToList();
            if (ratios.Count == 0) continue;
            var median = ratios.Order().ElementAt(ratios.Count / 2);
            text.Append(CultureInfo.InvariantCulture, $"| {mode.Key} | {string.Join(", ", ratios.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture) + "×"))} | {median:0.00}× |\n");
        }
        return text.ToString();
    }
}
