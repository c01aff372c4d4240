using System.Collections.Immutable;
using System.CommandLine;
using System.Text.RegularExpressions;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>run TASKS.jsonl</c>: plan a fleet (tasks × samples), run it with a concurrency limit, journal everything —
/// its settings included — write the trajectories file and print a summary. A <c>--fleet-id</c> the journal knows continues
/// that fleet, exactly as <c>resume</c> does.</summary>
public static partial class RunCommand
{
    private static readonly Argument<string> Tasks = new("tasks") { Description = "Task file (JSON Lines, one task per line)." };
    private static readonly Option<string?> FleetId = new("--fleet-id") { Description = "Fleet id (default: a new one). An existing fleet continues." };
    private static readonly FleetOptions Options = new();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex FleetIdPattern();

    public static bool IsValidFleetId(string fleetId) => FleetIdPattern().IsMatch(fleetId);

    public static Command Create()
    {
        var command = new Command("run", "Run a fleet of rollouts: every task × its samples.") { Tasks, FleetId };
        foreach (var option in Options.All) command.Add(option);
        command.SetAction((parse, cancel) => RunAsync(parse, cancel));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var fleetId = parse.GetValue(FleetId) ?? NewFleetId("fleet");
        if (!IsValidFleetId(fleetId))
            throw new UsageException($"--fleet-id '{fleetId}' may use only letters, digits, '.', '_' and '-'.");
        var change = Options.Change(parse);
        var tasks = LoadTasks(parse.GetValue(Tasks)!);

        var journal = Options.Journal(parse);
        var member = Options.Member(parse, journal); // checked before the fleet is locked or anything starts
        var paths = new FleetPaths(journal.DataDir, fleetId);
        var trajectories = Path.GetFullPath(parse.GetValue(Options.Out) ?? paths.DefaultTrajectories);
        using var fleetLock = await FleetLock.AcquireAsync(paths, journal, shared: member is null); // before anything starts: a second process stops here
        journal.PrepareForWriting();
        var system = RolloutHost.Start(journal, parse.GetValue(Options.Config), member: member);
        try
        {
            var hocon = RolloutSettings.From(system.Settings.Config);
            // A fleet id the journal already knows continues that fleet: its journaled plan and settings win over the task
            // file and the defaults; what this command line names explicitly is a change, journaled as such.
            var existing = await new JournalReader(system).FleetAsync(fleetId);
            if (existing.IsPlanned)
                Console.Error.WriteLine($"fleet {fleetId} exists: continuing it ({existing.Finished.Count} of {existing.Sessions.Count} sessions finished; the task file is not read again).");
            var settings = (existing.IsPlanned ? existing.Settings ?? FleetOptions.Recorded(existing, hocon) : FleetOptions.Defaults(hocon)).With(change);
            Task<ImmutableList<SessionSpec>> Plan(string baseUrl) => FleetPlan.MakeAsync(fleetId, tasks, settings, baseUrl, hocon, paths, journal, cancel: cancel);
            return await FleetRun.ExecuteAsync(new FleetRunRequest(system, hocon, journal, paths, trajectories, existing, settings, Plan,
                parse.GetValue(Options.Concurrency) ?? (existing.IsPlanned ? existing.Concurrency : FleetOptions.DefaultConcurrency),
                parse.GetValue(Options.Watch), member, Options.ViewerPort(parse)), cancel);
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }

    private static IReadOnlyList<TaskDefinition> LoadTasks(string path)
    {
        try
        {
            return TaskFile.Load(path, ToolCatalog.IsKnown);
        }
        catch (TaskFileException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    public static string NewFleetId(string prefix) => $"{prefix}-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Random.Shared.Next(0x10000):x4}";
}
