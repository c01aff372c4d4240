using ActorRollouts.Actors.Cluster;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Output;
using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using Akka.Cluster.Sharding;

namespace ActorRollouts.Cli.Hosting;

/// <summary><c>run/resume/fork … --seeds</c>: this process joins the cluster as a submitter (it hosts no sessions), hands
/// the fleet to the nodes and shows its progress and summary as a local run does. The fleet runs on the nodes: killing
/// the submitter, or Ctrl-C, leaves it running, and <c>resume FLEET_ID --seeds …</c> attaches again (and starts it again if
/// no node runs it).</summary>
public static class ClusterFleetRun
{
    public static async Task<int> ExecuteAsync(FleetRunRequest run, CancellationToken cancel)
    {
        var (system, settings, fleetId) = (run.System, run.Settings, run.Paths.FleetId);
        if (settings.FakeLlmScript is not null || settings.BaseUrl is not { } baseUrl)
            throw new UsageException($"fleet {fleetId} plays a scripted model inside its process (--fake-llm), which cluster nodes cannot reach: " +
                                     "resume it without --seeds, or pass --base-url to a `fake-llm` server the nodes can reach.");
        if (settings.ConfirmPolicy == ConfirmPolicies.Ask)
            throw new UsageException($"fleet {fleetId} asks for confirmations on a terminal (--confirm ask): pass --confirm auto or deny to run it in a cluster.");
        var sessions = run.Existing.IsPlanned ? run.Existing.Sessions : run.Plan(baseUrl);
        var withSettings = run.Existing with { Settings = settings };
        FleetRun.Announce(run, [.. sessions.Select(withSettings.SpecFor)], baseUrl);
        await TrajectoriesFile.PrepareAsync(new JournalReader(system), run.Existing, run.Trajectories);

        var progress = system.ActorOf(ProgressReporter.Props(Console.Error, interactive: !Console.IsErrorRedirected), "progress");
        var fleets = RolloutSharding.FleetProxy(system);
        new JournalReader(system).FollowControl(fleetId, request =>
            fleets.Tell(new ShardingEnvelope(fleetId, new SessionCommands.CancelSession(request.SessionId, request.Reason))));
        var outcome = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var every = system.Settings.Config.GetTimeSpan("actor-rollouts.cluster.submit-interval", TimeSpan.FromSeconds(2));
        system.ActorOf(FleetSubmitter.Props(fleetId, new FleetCommands.RunFleet(sessions, run.Concurrency, settings), fleets, every, outcome), "submitter");
        try
        {
            await outcome.Task.WaitAsync(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"\ndetached: fleet {fleetId} goes on in the cluster; attach again with: actor-rollouts resume {fleetId} " +
                                    $"--journal-url {run.Journal.Url!.Display} --seeds {string.Join(',', run.Cluster!.Seeds.Select(s => $"{s.Host}:{s.Port}"))}");
            return ExitCodes.Interrupted;
        }
        // The nodes do not write this process's trajectories file: it is filled from the journal, one line per session.
        await TrajectoriesFile.PrepareAsync(new JournalReader(system), await new JournalReader(system).FleetAsync(fleetId), run.Trajectories, quiet: true);
        return await FleetRun.FinishAsync(run, progress, outcome.Task.Result);
    }
}
