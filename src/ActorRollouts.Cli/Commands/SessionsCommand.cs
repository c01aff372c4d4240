using System.CommandLine;
using System.Text.Json;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Cli.Output;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Json;
using Spectre.Console;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>sessions</c>: one row per session, read from the journal.</summary>
public static class SessionsCommand
{
    private static readonly Option<string?> Fleet = new("--fleet") { Description = "Only this fleet's sessions." };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> JournalUrl = CommonOptions.JournalUrl();
    private static readonly Option<bool> Json = new("--json") { Description = "Print a JSON array instead of a table." };

    public static Command Create()
    {
        var command = new Command("sessions", "List sessions with their status, stop reason, turns and tokens.") { Fleet, DataDir, JournalUrl, Json };
        command.SetAction((parse, _) => ListAsync(parse));
        return command;
    }

    private static async Task<int> ListAsync(ParseResult parse)
    {
        var journal = JournalLocation.From(parse, DataDir, JournalUrl).RequireExisting();
        var system = RolloutHost.Start(journal, null, "actor-rollouts-sessions");
        try
        {
            var reader = new JournalReader(system);
            var fleets = parse.GetValue(Fleet) is { } one ? [one] : await reader.FleetIdsAsync();
            var rows = new List<SessionRow>();
            var changes = new List<string>();
            foreach (var fleetId in fleets)
            {
                var fleetRows = await FleetReport.RowsAsync(reader, fleetId, journal.RunIsActive(fleetId));
                if (fleetRows.IsEmpty && parse.GetValue(Fleet) is not null)
                    throw journal.NoFleet(fleetId);
                rows.AddRange(fleetRows);
                changes.AddRange(fleetRows.FirstOrDefault()?.FleetSettingsChanges?.Select(c => $"fleet {fleetId} settings changed: {c}") ?? []);
            }

            if (parse.GetValue(Json))
                Console.WriteLine(JsonSerializer.Serialize(rows, RolloutJson.Listing));
            else
            {
                SummaryTable.Write(SummaryTable.Stdout(), rows);
                Console.WriteLine(SummaryTable.Totals(rows));
                foreach (var change in changes) Console.WriteLine(change);
            }
            return ExitCodes.Ok;
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
