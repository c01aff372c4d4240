using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Providers;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Output;
using ActorRollouts.Core.Gates;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;
using ActorRollouts.Providers.OpenAI;
using Akka.Actor;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Everything a fleet run needs once the command line is understood (a new fleet or one being resumed).</summary>
public sealed record FleetRunRequest(
    ActorSystem System,
    RolloutSettings Settings,
    FleetPaths Paths,
    string Trajectories,
    ImmutableList<SessionSpec> Sessions,
    int Concurrency,
    GateLimits Gate,
    string? Watch = null,
    Func<Endpoint, Endpoint>? Rebase = null);

/// <summary>Runs (or continues) a fleet to its end: the supervisor, live progress, the summary, and the trajectories
/// file rebuilt from the journal so it holds every finished session exactly once, however often the fleet was resumed.</summary>
public static class FleetRun
{
    public static async Task<int> ExecuteAsync(FleetRunRequest run, CancellationToken cancel)
    {
        var (system, settings, fleetId) = (run.System, run.Settings, run.Paths.FleetId);
        CheckSandbox(settings.Environment.Options.Sandbox, run.Sessions);
        var services = new FleetServices(
            new SessionServices(new OpenAiModelClient(new ProviderSettings(settings.Provider.RequestTimeout)), settings,
                run.Paths.WorkspacesDir, TimeProvider.System, Gates(system, run.Sessions, run.Gate, run.Rebase),
                settings.Environment.ConfirmPolicy == ConfirmPolicies.Ask ? system.ActorOf(TerminalConfirmer.Props(Console.In, Console.Error), "confirmer") : null,
                run.Rebase),
            run.Trajectories);
        if (run.Watch is { } watched)
        {
            if (run.Sessions.All(s => s.SessionId != watched))
                throw new UsageException($"--watch: no session '{watched}' in this fleet (ids look like {run.Sessions[0].SessionId}).");
            system.ActorOf(WatchPrinter.Props(watched, Console.Error), "watch");
        }

        using var marker = run.Paths.HoldRunMarker();
        var progress = system.ActorOf(ProgressReporter.Props(Console.Error, interactive: !Console.IsErrorRedirected), "progress");
        var supervisor = system.ActorOf(RolloutSupervisor.Props(fleetId, services), $"fleet-{fleetId}");
        object outcome;
        try
        {
            outcome = await supervisor.Ask<object>(new FleetCommands.RunFleet(run.Sessions, run.Concurrency), Timeout.InfiniteTimeSpan, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"\ninterrupted: everything so far is journaled; continue with: actor-rollouts resume {fleetId} --data-dir {run.Paths.DataDir}");
            return ExitCodes.Interrupted;
        }
        await progress.Ask<ProgressReporter.Done>(ProgressReporter.Flush.Instance, TimeSpan.FromSeconds(5));
        if (outcome is FleetNotifications.FleetRejected rejected) throw new UsageException(rejected.Reason);

        var reader = new JournalReader(system);
        await RewriteTrajectoriesAsync(reader, fleetId, run.Trajectories);
        var rows = await FleetReport.RowsAsync(reader, fleetId, runActive: false);
        SummaryTable.Write(SummaryTable.Stdout(), rows);
        Console.WriteLine($"fleet {fleetId}: {SummaryTable.Totals(rows)}");
        Console.WriteLine($"trajectories: {run.Trajectories}");
        return ((FleetNotifications.FleetFinished)outcome).Failed == 0 ? ExitCodes.Ok : ExitCodes.SessionsFailed;
    }

    /// <summary>The file is written as sessions finish (so a long run can be watched), then rebuilt from the journal at the
    /// end: one line per finished session, in plan order, however many times the fleet was interrupted and resumed.</summary>
    private static async Task RewriteTrajectoriesAsync(JournalReader reader, string fleetId, string path)
    {
        var lines = (await FleetReport.TrajectoriesAsync(reader, fleetId)).Select(t => JsonSerializer.Serialize(t, RolloutJson.Options));
        var temp = path + ".tmp";
        await File.WriteAllLinesAsync(temp, lines);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>One gate per endpoint the fleet uses, so every session calling it shares its limits.</summary>
    private static IReadOnlyDictionary<string, IActorRef>? Gates(ActorSystem system, IEnumerable<SessionSpec> sessions, GateLimits limits,
        Func<Endpoint, Endpoint>? rebase) =>
        limits.IsUnlimited
            ? null
            : sessions.Select(s => (rebase?.Invoke(s.Endpoint) ?? s.Endpoint).BaseUrl).Distinct().Select((url, i) => (url, i))
                .ToDictionary(e => e.url, e => system.ActorOf(EndpointGate.Props(limits, TimeProvider.System), $"gate-{e.i}"));

    /// <summary>Commands only run where the sandbox can hold them: a missing bubblewrap stops the run before it starts.</summary>
    private static void CheckSandbox(SandboxMode mode, IEnumerable<SessionSpec> sessions)
    {
        if (!sessions.Any(s => s.Tools.Contains("bash"))) return;
        if (mode == SandboxMode.None)
            Console.Error.WriteLine("warning: --sandbox none: bash commands run unconfined, with your network and your files. Use only with trusted models.");
        else if (!Environments.Sandbox.CommandRunner.BwrapAvailable())
            throw new UsageException("the bash tool runs under bubblewrap, which is not installed (apt-get install bubblewrap), or pass --sandbox none.");
    }
}
