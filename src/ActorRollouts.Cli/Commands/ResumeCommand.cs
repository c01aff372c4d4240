using System.CommandLine;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Commands;

/// <summary><c>resume FLEET_ID</c>: continue a fleet after a kill, a crash or Ctrl-C. The supervisor recovers the plan and
/// the outcomes from its journal and restarts exactly the unfinished sessions; each recovers from its own journal.</summary>
public static class ResumeCommand
{
    private static readonly Argument<string> FleetId = new("fleet-id") { Description = "The fleet to continue." };
    private static readonly Option<string> DataDir = CommonOptions.DataDir();
    private static readonly Option<string?> Out = new("--out") { Description = "Trajectories file (default <data-dir>/fleets/<fleet-id>/trajectories.jsonl)." };
    private static readonly Option<int?> Concurrency = new("--concurrency") { Description = "Sessions running at once (default: as the fleet was started)." };
    private static readonly Option<string?> FakeLlmScript = new("--fake-llm") { Description = "Answer with the built-in scripted model (a fleet started with --fake-llm needs it again)." };
    private static readonly Option<string?> BaseUrl = new("--base-url") { Description = "Send the fleet's calls to this base URL instead of the journaled one." };
    private static readonly Option<string?> Config = CommonOptions.Config();
    private static readonly Option<string?> Watch = new("--watch") { Description = "Stream this session's deltas to stderr." };

    public static Command Create()
    {
        var command = new Command("resume", "Continue a fleet from its journal: unfinished sessions go on exactly where they stopped.")
        {
            FleetId, DataDir, Out, Concurrency, FakeLlmScript, BaseUrl, Config, Watch,
        };
        command.SetAction((parse, cancel) => ResumeAsync(parse, cancel));
        return command;
    }

    private static async Task<int> ResumeAsync(ParseResult parse, CancellationToken cancel)
    {
        var dataDir = JournalFile.RequireDataDir(parse.GetValue(DataDir)!);
        var fleetId = parse.GetValue(FleetId)!;
        if (parse.GetValue(Concurrency) is < 1) throw new UsageException("--concurrency must be at least 1.");
        var script = parse.GetValue(FakeLlmScript) is { } path ? CommonOptions.LoadScript(path) : null;
        var baseUrl = parse.GetValue(BaseUrl);

        await using var fakeLlm = script is null ? null : await FakeLlmServer.StartAsync(script, cancellationToken: cancel);
        var system = RolloutHost.Start(dataDir, parse.GetValue(Config));
        try
        {
            var fleet = await new JournalReader(system).FleetAsync(fleetId);
            if (!fleet.IsPlanned) throw new UsageException($"no fleet '{fleetId}' in {JournalFile.PathIn(dataDir)}.");
            var settings = RolloutSettings.From(system.Settings.Config);
            var paths = new FleetPaths(dataDir, fleetId);
            var target = fakeLlm?.BaseUrl.ToString() ?? baseUrl;
            Console.Error.WriteLine($"fleet {fleetId}: resuming; {fleet.Finished.Count} of {fleet.Sessions.Count} sessions finished, " +
                                    $"{fleet.Unfinished().Count(s => fleet.Launched.Contains(s.SessionId))} interrupted" +
                                    (target is null ? "" : $"; calls go to {target}"));
            var trajectories = Path.GetFullPath(parse.GetValue(Out) ?? paths.DefaultTrajectories);
            return await FleetRun.ExecuteAsync(new FleetRunRequest(system, settings, paths, trajectories, fleet.Sessions,
                parse.GetValue(Concurrency) ?? fleet.Concurrency, settings.Gate.Limits, parse.GetValue(Watch),
                target is null ? null : e => e with { BaseUrl = target }), cancel);
        }
        finally
        {
            await RolloutHost.StopAsync(system);
        }
    }
}
