using System.CommandLine;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>resume FLEET_ID</c>: continue a fleet after a kill, a crash or Ctrl-C, under the settings it was started
/// with (journaled with the fleet). The supervisor recovers the plan and the outcomes from its journal and restarts exactly
/// the unfinished sessions; each recovers from its own journal. Any of <c>run</c>'s options given here changes that
/// setting for the rest of the fleet, and the change is journaled.</summary>
public static class ResumeCommand
{
    private static readonly Argument<string> FleetId = new("fleet-id") { Description = "The fleet to continue." };
    private static readonly FleetOptions Options = new();

    public static Command Create()
    {
        var command = new Command("resume", "Continue a fleet from its journal, under its journaled settings; unfinished sessions go on exactly where they stopped.")
        {
            FleetId,
        };
        foreach (var option in Options.All) command.Add(option);
        command.SetAction((parse, cancel) => ResumeAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ResumeAsync(ParseResult parse, CancellationToken cancel)
    {
        var journal = Options.Journal(parse).RequireExisting();
        var member = Options.Member(parse, journal); // checked before the fleet is locked or anything starts
        var fleetId = parse.GetValue(FleetId)!;
        var change = Options.Change(parse);
        var paths = new FleetPaths(journal.DataDir, fleetId);
        using var fleetLock = await FleetLock.AcquireAsync(paths, journal, shared: member is null);
        var system = RolloutHost.Start(journal, parse.GetValue(Options.Config), member: member);
        try
        {
            var fleet = await new JournalReader(system).FleetAsync(fleetId);
            if (!fleet.IsPlanned) throw journal.NoFleet(fleetId);
            var hocon = RolloutSettings.From(system.Settings.Config);
            var settings = (fleet.Settings ?? FleetOptions.Recorded(fleet, hocon)).With(change);
            var trajectories = Path.GetFullPath(parse.GetValue(Options.Out) ?? paths.DefaultTrajectories);
            return await FleetRun.ExecuteAsync(new FleetRunRequest(system, hocon, journal, paths, trajectories, fleet, settings, _ => Task.FromResult(fleet.Sessions),
                parse.GetValue(Options.Concurrency) ?? fleet.Concurrency, parse.GetValue(Options.Watch), member, Options.ViewerPort(parse)), cancel);
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
