using System.Text.Json;
using ActorRollouts.Core.Analysis;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trajectories;
using ActorRollouts.Environments;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Finished sessions as training records, one JSON line each: what <c>export</c> prints and the viewer's
/// download links serve.</summary>
public static class ExportRecords
{
    /// <summary>The JSON Lines formats (the viewer serves them too); <c>export</c> also writes <c>tokens-parquet</c>.</summary>
    public static readonly string[] Formats = ["trajectories", "openai-chat", "tokens"];

    /// <summary>The finished sessions that pass every given filter, in the order given.</summary>
    public static List<SessionState> Choose(IEnumerable<SessionState> sessions, string? status = null, double? minReward = null, int? maxDiffLines = null) =>
        sessions.Where(s => s.IsFinished
                            && (status is null || SessionOutcomes.Of(s.Status) == status)
                            && (minReward is null || s.Reward >= minReward)
                            && (maxDiffLines is null || FleetStats.DiffLineCount(s) <= maxDiffLines)).ToList();

    public static IEnumerable<string> Lines(IEnumerable<SessionState> chosen, string format) => format switch
    {
        "openai-chat" => chosen.Select(s => ChatExport.Record(s, ToolCatalog.Specs(s.Spec!.Tools.Where(ToolCatalog.IsKnown))).ToJsonString(RolloutJson.Options)),
        "tokens" => chosen.SelectMany(Core.Tokens.TokenExport.Lines),
        _ => chosen.Select(s => JsonSerializer.Serialize(Trajectory.From(s), RolloutJson.Options)),
    };
}
