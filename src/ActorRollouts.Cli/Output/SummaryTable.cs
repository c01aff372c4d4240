using ActorRollouts.Core.Fleets;
using Spectre.Console;

namespace ActorRollouts.Cli.Output;

/// <summary>The table printed after a run and by <c>sessions</c>.</summary>
public static class SummaryTable
{
    public static void Write(IAnsiConsole console, IReadOnlyList<SessionRow> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "session", "status", "stop", "turns", "in tok", "out tok", "cost $", "secs", "error" })
            table.AddColumn(column);
        foreach (var r in rows)
        {
            var seconds = r is { StartedAt: { } s, EndedAt: { } e } ? $"{(e - s).TotalSeconds:0.0}" : "";
            table.AddRow(Markup.Escape(r.SessionId), Markup.Escape(r.Status), Markup.Escape(r.StopReason ?? ""),
                r.Turns.ToString(), r.InputTokens.ToString(), r.OutputTokens.ToString(), $"{r.CostUsd:0.0000}", seconds, Markup.Escape(Shorten(r.Error)));
        }
        console.Write(table);
    }

    public static string Totals(IReadOnlyList<SessionRow> rows)
    {
        var byStatus = string.Join(", ", rows.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key}"));
        return $"{rows.Count} sessions: {byStatus}; {rows.Sum(r => r.Turns)} turns; " +
               $"{rows.Sum(r => r.InputTokens):N0} input / {rows.Sum(r => r.OutputTokens):N0} output tokens; ${rows.Sum(r => r.CostUsd):0.0000}";
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..77] + "...";
}
