using System.Collections.Immutable;
using System.CommandLine;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>fork SESSION_ID --at SEQ [--samples N]</c>: a new fleet of N sessions that each start from the session's
/// state after journal sequence number SEQ — transcript, reasoning items, usage so far, and the workspace as it was then —
/// and go on live, with the parent's settings unless the command line changes them (another model, endpoint, budget …).
/// The parent's journal is only read. A fork's journal names its parent and branch point.</summary>
public static class ForkCommand
{
    private static readonly Argument<string> SessionId = new("session-id") { Description = "The session to branch off: <fleet-id>:<task-id>:<sample>." };
    private static readonly Option<long> At = new("--at") { Description = "Journal sequence number (as in `trace`) to branch after.", Required = true };
    private static readonly Option<int> Samples = new("--samples") { Description = "How many forks to start. Default 1.", DefaultValueFactory = _ => 1 };
    private static readonly Option<string?> FleetId = new("--fleet-id") { Description = "The forks' fleet id (default: a new one)." };
    private static readonly FleetOptions Options = new();

    public static Command Create()
    {
        var command = new Command("fork", "Start sessions from another session's state at a journal sequence number, and run them on.") { SessionId, At, Samples, FleetId };
        foreach (var option in Options.All) command.Add(option);
        command.SetAction((parse, cancel) => ForkAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ForkAsync(ParseResult parse, CancellationToken cancel)
    {
        var (parentId, at, samples) = (parse.GetValue(SessionId)!, parse.GetValue(At), parse.GetValue(Samples));
        if (at < 1) throw new UsageException("--at must be a journal sequence number (1 or more, as `trace` shows them).");
        if (samples is < 1 or > 10_000) throw new UsageException("--samples must be between 1 and 10000.");
        var fleetId = parse.GetValue(FleetId) ?? RunCommand.NewFleetId("fork");
        if (!RunCommand.IsValidFleetId(fleetId)) throw new UsageException($"--fleet-id '{fleetId}' may use only letters, digits, '.', '_' and '-'.");
        var change = Options.Change(parse);
        var journal = Options.Journal(parse).RequireExisting();
        var member = Options.Member(parse, journal); // checked before the fleet is locked or anything starts
        var paths = new FleetPaths(journal.DataDir, fleetId);
        var trajectories = Path.GetFullPath(parse.GetValue(Options.Out) ?? paths.DefaultTrajectories);
        using var fleetLock = await FleetLock.AcquireAsync(paths, journal, shared: member is null);
        var system = RolloutHost.Start(journal, parse.GetValue(Options.Config), member: member);
        try
        {
            var hocon = RolloutSettings.From(system.Settings.Config);
            var reader = new JournalReader(system);
            var parent = await BranchPointAsync(reader, parentId, at, journal);
            var parentFleet = await reader.FleetAsync(parent.Spec!.FleetId);
            var planned = parentFleet.IsPlanned ? parentFleet.Settings ?? FleetOptions.Recorded(parentFleet, hocon) : FleetOptions.Defaults(hocon);
            var existing = await reader.FleetAsync(fleetId);
            if (existing.IsPlanned)
                Console.Error.WriteLine($"fleet {fleetId} exists: continuing it ({existing.Finished.Count} of {existing.Sessions.Count} sessions finished).");
            var settings = (existing.IsPlanned ? existing.Settings ?? planned : planned).With(change);
            Task<ImmutableList<SessionSpec>> Plan(string baseUrl)
            {
                var spec = settings.ApplyTo(parent.Spec!, planned);
                return Task.FromResult<ImmutableList<SessionSpec>>([.. Enumerable.Range(0, samples).Select(sample => spec with
                {
                    SessionId = SessionSpec.MakeSessionId(fleetId, spec.TaskId, sample), FleetId = fleetId, Sample = sample,
                    Endpoint = spec.Endpoint with { BaseUrl = baseUrl }, Fork = new ForkOrigin(parentId, at),
                })]);
            }
            Console.Error.WriteLine($"forking {parentId} after #{at} ({parent.Messages.Count} messages, {parent.Turns} turns, " +
                                    $"{parent.Usage.InputTokens + parent.Usage.OutputTokens:N0} tokens so far) into {samples} session(s) of fleet {fleetId}");
            return await FleetRun.ExecuteAsync(new FleetRunRequest(system, hocon, journal, paths, trajectories, existing, settings, Plan,
                parse.GetValue(Options.Concurrency) ?? (existing.IsPlanned ? existing.Concurrency : FleetOptions.DefaultConcurrency),
                parse.GetValue(Options.Watch), member, Options.ViewerPort(parse)), cancel);
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }

    /// <summary>The parent's state after <paramref name="at"/>; a usage error when there is no such point to branch at.</summary>
    private static async Task<SessionState> BranchPointAsync(JournalReader reader, string parentId, long at, JournalLocation journal)
    {
        var events = await reader.SessionEventsAsync(parentId);
        if (events.IsEmpty) throw journal.NoSession(parentId);
        var (state, problem) = ForkPoint.Find(parentId, events, at);
        return state ?? throw new UsageException($"{problem}.");
    }
}
