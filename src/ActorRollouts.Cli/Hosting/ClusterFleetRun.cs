using ActorRollouts.Actors.Cluster;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Output;
using Akka.Actor;

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
        var sessions = run.Existing.IsPlanned ? run.Existing.Sessions : await run.Plan(baseUrl);
        CheckLaunchSizes(system, sessions);
        var withSettings = run.Existing with { Settings = settings };
        FleetRun.Announce(run, [.. sessions.Select(withSettings.SpecFor)], baseUrl);
        await TrajectoriesFile.PrepareAsync(new JournalReader(system), run.Existing, run.Trajectories);

        var progress = system.ActorOf(ProgressReporter.Props(Console.Error, interactive: !Console.IsErrorRedirected), "progress");
        var fleets = RolloutSharding.FleetProxy(system); // the fleet follows `cancel` requests itself, attached or not
        var outcome = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
        var every = system.Settings.Config.GetTimeSpan("actor-rollouts.cluster.submit-interval", TimeSpan.FromSeconds(2));
        // A new fleet's plan goes through the journal's database: one message could not hold thousands of sessions.
        var submitted = run.Existing.IsPlanned
            ? new FleetCommands.RunFleet([], run.Concurrency, settings)
            : new FleetCommands.RunFleet([], run.Concurrency, settings, FleetPlans.Publish(run.Journal.SharedContent!, sessions));
        WarnWhileAlone(system, run.Cluster!);
        system.ActorOf(FleetSubmitter.Props(fleetId, submitted, fleets, every, outcome), "submitter");
        object result;
        try
        {
            result = await outcome.Task.WaitAsync(cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"\ndetached: fleet {fleetId} goes on in the cluster; attach again with: actor-rollouts resume {fleetId} " +
                                    $"--journal-url {run.Journal.Url!.Display} --seeds {string.Join(',', run.Cluster!.Seeds.Select(s => $"{s.Host}:{s.Port}"))}");
            return ExitCodes.Interrupted;
        }
        // The nodes do not write this process's trajectories file: it is filled from the journal, one line per session.
        await TrajectoriesFile.PrepareAsync(new JournalReader(system), await new JournalReader(system).FleetAsync(fleetId), run.Trajectories, quiet: true);
        return await FleetRun.FinishAsync(run, progress, result);
    }

    /// <summary>Each session's launch travels as one message: a task whose spec (its prompt, mostly) is larger than the
    /// cluster's <c>maximum-frame-size</c> could never start, so the fleet is refused now.</summary>
    internal static void CheckLaunchSizes(ActorSystem system, IEnumerable<Core.Tasks.SessionSpec> sessions)
    {
        var limit = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size") ?? 128_000;
        foreach (var spec in sessions.DistinctBy(s => s.TaskId))
        {
            var size = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(spec, Core.Json.RolloutJson.Options).Length;
            if (size > limit * 9 / 10)
                throw new UsageException($"task '{spec.TaskId}' is {size:N0} bytes as a session's launch, more than a cluster message may carry " +
                                         $"(akka.remote.dot-netty.tcp.maximum-frame-size = {limit:N0}): raise it with --config on every member, or shorten the task.");
        }
    }

    /// <summary>Joining waits for a seed to answer; if none does for a while, the user hears why nothing happens.</summary>
    private static void WarnWhileAlone(ActorSystem system, Actors.Configuration.ClusterMember member)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var seeds = string.Join(',', member.Seeds.Select(s => $"{s.Host}:{s.Port}"));
        var warning = system.Scheduler.Advanced.ScheduleRepeatedlyCancelable(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), () =>
            Console.Error.WriteLine($"still joining the cluster: no node at {seeds} has answered yet (is `actor-rollouts node` running there?)"));
        cluster.RegisterOnMemberUp(warning.Cancel);
    }
}
