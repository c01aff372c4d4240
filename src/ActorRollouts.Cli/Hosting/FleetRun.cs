using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Providers;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Cli.Output;
using ActorRollouts.Cli.Viewer;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Gates;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;
using ActorRollouts.Providers.OpenAI;
using Akka.Actor;

namespace ActorRollouts.Cli.Hosting;

/// <summary>Everything a fleet run needs once the command line is understood (a new fleet or one being resumed).
/// <paramref name="Existing"/> is the fleet as its journal has it (not planned for a new one); <paramref name="Plan"/> gives
/// the sessions of a new fleet once the endpoint's base URL is known (the scripted model's comes with its server).
/// <paramref name="Cluster"/>: this process submits the fleet to a cluster's nodes (<see cref="ClusterFleetRun"/>).</summary>
public sealed record FleetRunRequest(
    ActorSystem System,
    RolloutSettings Hocon,
    JournalLocation Journal,
    FleetPaths Paths,
    string Trajectories,
    FleetState Existing,
    FleetSettings Settings,
    Func<string, Task<ImmutableList<SessionSpec>>> Plan,
    int Concurrency,
    string? Watch = null,
    ClusterMember? Cluster = null,
    int? ViewerPort = null);

/// <summary>Runs (or continues) a fleet to its end under its settings: the scripted model if it has one, the supervisor
/// (which journals the settings or their change), live progress, requests from <c>cancel</c>, the summary, and the
/// trajectories file rebuilt from the journal so it holds every finished session exactly once, however often the fleet was
/// resumed.</summary>
public static class FleetRun
{
    public static async Task<int> ExecuteAsync(FleetRunRequest run, CancellationToken cancel)
    {
        // The viewer reads the journal this run writes, in this process, for as long as the run lasts.
        await using var viewer = run.ViewerPort is { } port ? await ViewerServer.StartAsync(run.System, run.Journal, "127.0.0.1", port, cancel) : null;
        if (viewer is not null) ViewerOptions.Announce(viewer, run.Journal);
        if (run.Cluster is not null) return await ClusterFleetRun.ExecuteAsync(run, cancel);
        var (system, fleetSettings, fleetId) = (run.System, run.Settings, run.Paths.FleetId);
        var settings = run.Hocon.Under(fleetSettings);
        await using var fakeLlm = fleetSettings.FakeLlmScript is { } script
            ? await FakeLlm.FakeLlmServer.StartAsync(CommonOptions.LoadScript(script), cancellationToken: cancel)
            : null;
        var baseUrl = fakeLlm?.BaseUrl.ToString() ?? fleetSettings.BaseUrl!;
        if (fakeLlm is null) CheckApiKey(baseUrl, fleetSettings.ApiKeyEnv);
        if (fakeLlm is null) CheckTokens(baseUrl, fleetSettings.Tokens);
        var sessions = run.Existing.IsPlanned ? run.Existing.Sessions : await run.Plan(baseUrl);
        // The sessions as the fleet's settings have them now (a resume may have changed the endpoint or the model).
        var withSettings = run.Existing with { Settings = fleetSettings };
        var current = sessions.Select(withSettings.SpecFor).ToImmutableList();
        CheckSandbox(settings.Environment.Options.Sandbox, sessions, settings.Environment.Options.CommandCeiling);
        if (sessions.Any(s => s.LowerLayer(run.Paths.DataDir) is not null)) CheckWorkspaces(run.Paths.WorkspacesDir);
        Func<Endpoint, Endpoint>? rebase = fakeLlm is null ? null : e => e with { BaseUrl = baseUrl };
        // Agent programs reach the model through this process's gateway, which lives as long as the run.
        await using var gateway = sessions.Any(s => s.Agent is not null) ? await Gateway.AgentGatewayServer.StartAsync(cancel) : null;
        var services = new FleetServices(
            SessionServicesFor(system, settings, run.Paths, run.Journal, current, rebase,
                settings.Environment.ConfirmPolicy == ConfirmPolicies.Ask ? system.ActorOf(TerminalConfirmer.Props(Console.In, Console.Error), "confirmer") : null)
                with { Agents = gateway?.Links },
            run.Trajectories);
        if (run.Watch is { } watched)
        {
            if (sessions.All(s => s.SessionId != watched))
                throw new UsageException($"--watch: no session '{watched}' in this fleet (ids look like {sessions[0].SessionId}).");
            system.ActorOf(WatchPrinter.Props(watched, Console.Error), "watch");
            DeltaWatch.For(system).Watch(watched); // before any session starts, so its first request streams to the printer too
        }

        Announce(run, current, baseUrl);
        await TrajectoriesFile.PrepareAsync(new JournalReader(system), run.Existing, run.Trajectories);
        var progress = system.ActorOf(ProgressReporter.Props(Console.Error, interactive: !Console.IsErrorRedirected), "progress");
        var supervisor = system.ActorOf(RolloutSupervisor.Props(fleetId, services), $"fleet-{fleetId}");
        new JournalReader(system).FollowControl(fleetId, request => supervisor.Tell(new SessionCommands.CancelSession(request.SessionId, request.Reason)));
        object outcome;
        try
        {
            outcome = await supervisor.Ask<object>(new FleetCommands.RunFleet(sessions, run.Concurrency, fleetSettings), Timeout.InfiniteTimeSpan, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine($"\ninterrupted: everything so far is journaled; its commands were stopped; continue with: actor-rollouts resume {fleetId} --data-dir {run.Paths.DataDir}" +
                (run.Journal.Url is { } url ? $" --journal-url {url}" : ""));
            return ExitCodes.Interrupted;
        }
        return await FinishAsync(run, progress, outcome);
    }

    /// <summary>What the sessions of a fleet share in this process: the model client, its settings, the workspaces folder and
    /// one gate per endpoint with limits.</summary>
    internal static SessionServices SessionServicesFor(ActorSystem system, RolloutSettings settings, FleetPaths paths, JournalLocation journal,
        IEnumerable<SessionSpec> current, Func<Endpoint, Endpoint>? rebase = null, IActorRef? confirmer = null) =>
        new(new OpenAiModelClient(settings.Provider.Client), settings, paths.WorkspacesDir, TimeProvider.System,
            Gates(system, current, settings.Gate.Limits, rebase, $"gate-{paths.FleetId}"), confirmer, rebase, journal.SharedContent);

    /// <summary>The checks a new fleet passes before anything starts: a key for OpenAI, token capture only where it works,
    /// a sandbox for commands, overlay mounts for workspaces. Each failure is a <see cref="UsageException"/>.</summary>
    internal static void CheckBeforeStart(FleetSettings fleet, RolloutSettings settings, IReadOnlyList<SessionSpec> sessions, FleetPaths paths, string baseUrl)
    {
        CheckApiKey(baseUrl, fleet.ApiKeyEnv);
        CheckTokens(baseUrl, fleet.Tokens);
        CheckSandbox(settings.Environment.Options.Sandbox, sessions, settings.Environment.Options.CommandCeiling);
        if (sessions.Any(s => s.LowerLayer(paths.DataDir) is not null)) CheckWorkspaces(paths.WorkspacesDir);
    }

    /// <summary>The fleet ended (or was rejected): the summary table from the fleet's journal, and the exit code.</summary>
    internal static async Task<int> FinishAsync(FleetRunRequest run, IActorRef progress, object outcome)
    {
        await progress.Ask<ProgressReporter.Done>(ProgressReporter.Flush.Instance, TimeSpan.FromSeconds(5));
        if (outcome is FleetNotifications.FleetRejected rejected) throw new UsageException(rejected.Reason);

        // Finished sessions' figures come from the fleet's journal: nothing reads their own journals again.
        var rows = await FleetReport.RowsAsync(new JournalReader(run.System), run.Paths.FleetId, runActive: false);
        SummaryTable.Write(SummaryTable.Stdout(), rows);
        Console.WriteLine($"fleet {run.Paths.FleetId}: {SummaryTable.Totals(rows)}");
        Console.WriteLine($"trajectories: {run.Trajectories}");
        return ((FleetNotifications.FleetFinished)outcome).Failed == 0 ? ExitCodes.Ok : ExitCodes.SessionsFailed;
    }

    /// <summary><paramref name="sessions"/> as the fleet's settings have them now.</summary>
    internal static void Announce(FleetRunRequest run, ImmutableList<SessionSpec> sessions, string baseUrl)
    {
        var (fleet, s) = (run.Existing, run.Settings);
        var model = sessions.Select(x => x.Endpoint.Model).Distinct().Count() > 1 ? $"{s.Model} (tasks name others)" : s.Model;
        Console.Error.WriteLine(fleet.IsPlanned
            ? $"fleet {run.Paths.FleetId}: continuing; {fleet.Finished.Count} of {sessions.Count} sessions finished, " +
              $"{fleet.Unfinished().Count(x => fleet.Launched.Contains(x.SessionId))} interrupted; concurrency {run.Concurrency}, model {model} at {baseUrl}"
            : $"fleet {run.Paths.FleetId}: {sessions.Count} sessions, concurrency {run.Concurrency}, model {model} at {baseUrl}");
        Console.Error.WriteLine($"settings: {Summary(s)}");
        if (fleet.Settings is { } before && before.ChangesTo(s) is { IsEmpty: false } changes)
            Console.Error.WriteLine($"settings changed (journaled): {string.Join("; ", changes)}");
        Console.Error.WriteLine($"journal {run.Journal.Display} · trajectories {run.Trajectories}");
    }

    /// <summary>The settings a user most needs to see, on one line.</summary>
    public static string Summary(FleetSettings s)
    {
        static string Limit(long n) => n > 0 ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unlimited";
        var budget = s.Budget is { } b
            ? string.Join(", ", new[] { b.Tokens is { } t ? $"{t} tokens" : null, b.CostUsd is { } c ? $"${c}" : null, b.Seconds is { } sec ? $"{sec} s" : null }.OfType<string>())
            : "none";
        return $"confirm {s.ConfirmPolicy} · sandbox {s.Sandbox} · max turns {s.MaxTurns} · requests in flight {Limit(s.MaxConcurrentRequests)}, " +
               $"rpm {Limit(s.RequestsPerMinute)}, tpm {Limit(s.TokensPerMinute)} · budget {budget}" +
               (s.FakeLlmScript is { } script ? $" · scripted model {script}" : "") +
               (Core.Tokens.TokenModes.Records(s.Tokens) ? $" · tokens {s.Tokens}" + (s.TopLogprobs > 0 ? $" (top {s.TopLogprobs} logprobs)" : "") : "") +
               (s.PolicyVersion != 0 ? $" · policy version {s.PolicyVersion}" : "");
    }

    /// <summary>Against the real OpenAI API a missing key would fail every session one by one: refuse up front.
    /// Local OpenAI-compatible servers need no key (the provider then sends a placeholder).</summary>
    private static void CheckApiKey(string baseUrl, string apiKeyEnv)
    {
        var isOpenAi = new Uri(baseUrl).Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase);
        if (isOpenAi && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(apiKeyEnv)))
            throw new UsageException($"the API key variable {apiKeyEnv} is not set (needed for {baseUrl}). " +
                                     "Set it, pick another with --api-key-env, or run offline with --fake-llm SCRIPT.");
    }

    /// <summary>OpenAI's own API reports no token ids and refuses vLLM's fields (<c>return_token_ids</c>, <c>cache_salt</c>):
    /// every request would fail. Refused up front, saying what works.</summary>
    private static void CheckTokens(string baseUrl, string? tokens)
    {
        if (Core.Tokens.TokenModes.Records(tokens) && new Uri(baseUrl).Host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--tokens {tokens}: {baseUrl} reports no token ids (and refuses vLLM's return_token_ids). " +
                                     "Token capture needs a vLLM-compatible server: --base-url http://HOST:8000/v1, or --tokens off.");
    }

    /// <summary>One gate per endpoint the fleet uses, so every session calling it shares its limits.</summary>
    private static IReadOnlyDictionary<string, IActorRef>? Gates(ActorSystem system, IEnumerable<SessionSpec> sessions, GateLimits limits,
        Func<Endpoint, Endpoint>? rebase, string namePrefix) =>
        limits.IsUnlimited
            ? null
            : sessions.Select(s => (rebase?.Invoke(s.Endpoint) ?? s.Endpoint).BaseUrl).Distinct().Select((url, i) => (url, i))
                .ToDictionary(e => e.url, e => system.ActorOf(EndpointGate.Props(limits, TimeProvider.System), $"{namePrefix}-{e.i}"));

    /// <summary>Workspaces over a template are overlay mounts in a user namespace of their own: a kernel or distribution
    /// that does not allow that stops the run here, once, with the reason, instead of failing every session. (Sessions
    /// without a template mount nothing.)</summary>
    internal static void CheckWorkspaces(string workspacesDir)
    {
        Directory.CreateDirectory(workspacesDir);
        if (Environments.Workspaces.OverlayMount.Unavailable(workspacesDir) is { } why)
            throw new UsageException("workspaces are copy-on-write overlay mounts in an unprivileged user namespace (Linux 5.11 or later, " +
                                     $"kernel.unprivileged_userns_clone=1), and this machine could not make one: {why}");
    }

    /// <summary>An agent program runs like a command; without network under bubblewrap it reaches its gateway through socat.</summary>
    private static void CheckAgents(SandboxMode mode, IEnumerable<SessionSpec> sessions)
    {
        var agents = sessions.Where(s => s.Agent is not null).ToList();
        if (agents.Count == 0) return;
        if (mode == SandboxMode.None)
            Console.Error.WriteLine("warning: --sandbox none: agent programs run unconfined, with your network and your files; only the API key is kept from them.");
        else if (!Environments.Sandbox.CommandRunner.BwrapAvailable())
            throw new UsageException($"task '{agents[0].TaskId}' runs an agent program, which runs under bubblewrap, which is not installed (apt-get install bubblewrap), or pass --sandbox none.");
        else if (agents.FirstOrDefault(s => !s.Agent!.Network) is { } contained && Environments.Agents.GatewayBridge.Unavailable is { } why)
            throw new UsageException($"task '{contained.TaskId}': {why}.");
    }

    /// <summary>Commands — the <c>bash</c> tool and the graders alike — only run where the sandbox can hold them: a missing
    /// bubblewrap or prlimit stops the run before it starts (a grader that cannot start would record no reward for every
    /// session). Without cgroups, commands run with rlimits only, and the run says so.</summary>
    private static void CheckSandbox(SandboxMode mode, IEnumerable<SessionSpec> sessions, Environments.Sandbox.CommandCeiling ceiling)
    {
        // An image's tree is the command's root: only bubblewrap can put it there.
        if (sessions.FirstOrDefault(s => s.Image is not null) is { } imaged)
        {
            if (mode == SandboxMode.None)
                throw new UsageException($"task '{imaged.TaskId}' runs in an image, and commands in an image run under bubblewrap: --sandbox none cannot run it.");
            if (!Environments.Sandbox.CommandRunner.BwrapAvailable())
                throw new UsageException($"task '{imaged.TaskId}' runs in an image, and commands in an image run under bubblewrap, which is not installed (apt-get install bubblewrap).");
        }
        CheckAgents(mode, sessions);
        var users = sessions.Where(s => s.Tools.Contains("bash") || s.Grader is not null).ToList();
        if (users.Count == 0) return;
        var what = users.Any(s => s.Tools.Contains("bash")) ? users.Any(s => s.Grader is not null) ? "the bash tool and the graders run" : "the bash tool runs" : "the graders run";
        if (mode == SandboxMode.None)
            Console.Error.WriteLine("warning: --sandbox none: bash commands and graders run unconfined, with your network and your files. Use only with trusted models.");
        else if (!Environments.Sandbox.CommandRunner.BwrapAvailable())
            throw new UsageException($"{what} under bubblewrap, which is not installed (apt-get install bubblewrap), or pass --sandbox none.");
        if (!Environments.Sandbox.CommandRunner.PrlimitAvailable())
            throw new UsageException($"{what} under limits set by prlimit, which is not installed (apt-get install util-linux).");
        if (Environments.Sandbox.CommandCgroups.Instance.Unavailable is { } why)
            Console.Error.WriteLine($"warning: commands run without cgroups ({why}): memory and process limits are rlimits only, and a fork bomb run as root is not contained.");
        else
            Environments.Sandbox.CommandCgroups.Instance.LimitAll(ceiling);
    }
}
