using ActorRollouts.Core.Fleets;
using Spectre.Console;

namespace ActorRollouts.Cli.Output;

/// <summary>The table printed after a run and by <c>sessions</c>.</summary>
public static class SummaryTable
{
    /// <summary>Stdout as a Spectre console. Piped output has no terminal width; a wide one keeps rows on one line.</summary>
    public static IAnsiConsole Stdout()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected) console.Profile.Width = 200;
        return console;
    }

    public static void Write(IAnsiConsole console, IReadOnlyList<SessionRow> rows)
    {
        var manyFleets = rows.Select(r => r.FleetId).Distinct().Count() > 1;
        var table = new Table().Border(TableBorder.Simple);
        var columns = new[] { "task", "sample", "status", "stop", "turns", "in tok", "out tok", "cost $", "reward", "secs", "error" };
        foreach (var column in manyFleets ? ["fleet", .. columns] : columns)
            table.AddColumn(new TableColumn(column).NoWrap());
        foreach (var r in rows)
        {
            var seconds = r is { StartedAt: { } s, EndedAt: { } e } ? $"{(e - s).TotalSeconds:0.0}" : "";
            string[] cells =
            [
                r.TaskId, r.Sample.ToString(), r.Status, r.StopReason ?? "", r.Turns.ToString(), r.InputTokens.ToString(),
                r.OutputTokens.ToString(), $"{r.CostUsd:0.0000}", r.Reward is { } reward ? $"{reward:0.###}" : "", seconds, Shorten(r.Error),
            ];
            table.AddRow((manyFleets ? [r.FleetId, .. cells] : cells).Select(Markup.Escape).ToArray());
        }
        console.Write(table);
    }

    public static string Totals(IReadOnlyList<SessionRow> rows)
    {
        var byStatus = string.Join(", ", rows.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
        var rewards = rows.Where(r => r.Reward is not null).Select(r => r.Reward!.Value).ToList();
        return $"{rows.Count} sessions: {byStatus}; {rows.Sum(r => r.Turns)} turns; " +
               $"{rows.Sum(r => r.InputTokens):N0} input / {rows.Sum(r => r.OutputTokens):N0} output tokens; ${rows.Sum(r => r.CostUsd):0.0000}" +
               (rewards.Count > 0 ? $"; mean reward {rewards.Average():0.###} over {rewards.Count} graded" : "");
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 90 ? text : text[..87] + "...";
}
