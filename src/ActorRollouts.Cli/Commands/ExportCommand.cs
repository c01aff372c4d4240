using System.CommandLine;
using ActorRollouts.Cli.Hosting;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>export --fleet ID --format trajectories|openai-chat|tokens</c>: finished sessions as training records,
/// filtered; <c>tokens</c> gives token-exact samples (one line per sample) rebuilt from the journal.</summary>
public static class ExportCommand
{
    private static readonly Option<string> Fleet = new("--fleet") { Description = "The fleet.", Required = true };
    private static readonly Option<string> Format = new("--format") { Description = "trajectories (as the run writes them), openai-chat (fine-tuning records) tokens (token ids, masks and logprobs per sample, for RL; needs a fleet run with --tokens) or tokens-parquet (the same as a Parquet file; needs --out).", DefaultValueFactory = _ => "trajectories" };
    private static readonly Option<string?> Out = new("--out") { Description = "Write to this file instead of stdout." };
    private static readonly Option<string?> Status = new("--status") { Description = "Only sessions with this status (completed, failed)." };
    private static readonly Option<double?> MinReward = new("--min-reward") { Description = "Only graded sessions with at least this reward." };
    private static readonly Option<int?> MaxDiffLines = new("--max-diff-lines") { Description = "Only sessions whose diffs add and remove at most this many lines in all." };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();

    private const string TokenParquetFormat = "tokens-parquet";

    public static Command Create()
    {
        var command = new Command("export", "Export finished sessions as trajectories or OpenAI chat fine-tuning records.")
        {
            Fleet, Format, Out, Status, MinReward, MaxDiffLines, DataDir, JournalUrl,
        };
        command.SetAction((parse, _) => ExportAsync(parse));
        return command;
    }

    private static async Task<int> ExportAsync(ParseResult parse)
    {
        var format = parse.GetValue(Format)!;
        if (!ExportRecords.Formats.Contains(format) && format != TokenParquetFormat) throw new UsageException($"--format must be trajectories, openai-chat, tokens or tokens-parquet (got '{format}').");
        var sessions = await FleetJournal.ReadSessionsAsync(JournalLocation.From(parse, DataDir, JournalUrl), parse.GetValue(Fleet)!, "actor-rollouts-export");
        var chosen = ExportRecords.Choose(sessions, parse.GetValue(Status), parse.GetValue(MinReward), parse.GetValue(MaxDiffLines));
        var outPath = parse.GetValue(Out);
        if (format == TokenParquetFormat)
        {
            if (outPath is null) throw new UsageException("--format tokens-parquet writes a binary file: give it --out FILE.parquet.");
            await using var file = File.Create(outPath);
            await TokenParquet.WriteAsync(chosen, file);
        }
        else
        {
            await using var writer = outPath is null ? Console.Out : new StreamWriter(outPath);
            foreach (var line in ExportRecords.Lines(chosen, format)) await writer.WriteLineAsync(line);
        }
        Console.Error.WriteLine($"exported {chosen.Count} of {sessions.Count} sessions ({format})");
        if (format is "tokens" or TokenParquetFormat) Console.Error.WriteLine(Core.Tokens.TokenStats.Of(chosen).Summary());
        return ExitCodes.Ok;
    }
}
