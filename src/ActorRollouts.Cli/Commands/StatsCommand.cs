using System.CommandLine;
using System.Text;
using System.Text.Json;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Analysis;
using ActorRollouts.Core.Json;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>stats --fleet ID</c>: a fleet's numbers, read from the journal.</summary>
public static class StatsCommand
{
    private static readonly Option<string> Fleet = new("--fleet") { Description = "The fleet.", Required = true };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    private static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of text." };

    public static Command Create()
    {
        var command = new Command("stats", "Sessions by status and stop reason; turns, tokens, cost; tool calls by tool and error; edits; rewards.")
        {
            Fleet, DataDir, JournalUrl, Json,
        };
        command.SetAction(async (parse, _) =>
        {
            var (fleet, sessions) = await FleetJournal.ReadAsync(JournalLocation.From(parse, DataDir, JournalUrl), parse.GetValue(Fleet)!, "actor-rollouts-stats");
            var stats = FleetStats.Compute(sessions) with
            {
                Settings = fleet.Settings, SettingsChanges = fleet.DescribeSettingsChanges(),
                Tokens = Core.Tokens.TokenModes.Records(fleet.Settings?.Tokens) ? Core.Tokens.TokenStats.Of(sessions) : null,
            };
            Console.WriteLine(parse.GetValue(Json) ? JsonSerializer.Serialize(stats, RolloutJson.Options) : Text(parse.GetValue(Fleet)!, stats));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string Text(string fleetId, FleetStats s)
    {
        static string Counts(IEnumerable<KeyValuePair<string, int>> counts) => string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));
        static string Dist(Distribution d, string format = "0.##") =>
            $"total {d.Total.ToString(format)}, mean {d.Mean.ToString(format)}, p50 {d.P50.ToString(format)}, p95 {d.P95.ToString(format)}";
        var text = new StringBuilder()
            .AppendLine($"fleet {fleetId}: {s.Sessions} sessions")
            .AppendLine($"  status        {Counts(s.ByStatus)}")
            .AppendLine($"  stop reason   {Counts(s.ByStopReason)}")
            .AppendLine($"  turns         {Dist(s.Turns)}")
            .AppendLine($"  input tokens  {Dist(s.InputTokens, "0")}")
            .AppendLine($"  output tokens {Dist(s.OutputTokens, "0")}")
            .AppendLine($"  cost USD      {Dist(s.CostUsd, "0.0000")}")
            .AppendLine($"  tool calls    {Counts(s.ToolCallsByTool)}")
            .AppendLine($"  tool results  {Counts(s.ToolCallsByErrorCode)}")
            .AppendLine($"  files edited  per trajectory: mean {s.FilesEditedPerTrajectory.Mean:0.##}, max {s.FilesEditedPerTrajectory.Max:0}")
            .AppendLine($"  diff lines    +{s.DiffLinesAdded} -{s.DiffLinesRemoved}");
        text.AppendLine(s.Reward is { } r
            ? $"  reward        {s.Graded} graded: mean {r.Mean:0.###}, std {r.Std:0.###}, min {r.Min:0.###}, max {r.Max:0.###}"
            : "  reward        no graded sessions");
        if (s.Settings is { } settings) text.AppendLine($"  settings      {Hosting.FleetRun.Summary(settings)}");
        foreach (var change in s.SettingsChanges ?? []) text.AppendLine($"  changed       {change}");
        if (s.Tokens is { } tokens) text.AppendLine($"  {tokens.Summary()}");
        if (s.GradingFailed > 0) text.AppendLine($"  grading       {s.GradingFailed} failed (no reward recorded; see grading_failed in their traces)");
        return text.ToString().TrimEnd();
    }
}
