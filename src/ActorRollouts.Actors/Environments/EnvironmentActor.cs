using System.Collections.Immutable;
using System.Diagnostics;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Mcp;
using ActorRollouts.Environments.Workspaces;
using ActorRollouts.Environments.Sandbox;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using Akka.Actor;
using Akka.Event;
using ActorRollouts.Environments.Agents;
using static ActorRollouts.Actors.Agents.AgentProtocol;
using static ActorRollouts.Actors.Environments.EnvironmentProtocol;

namespace ActorRollouts.Actors.Environments;

/// <summary>Owns one session's workspace and executes its tool calls off the mailbox. Preparing the workspace
/// (mounting it over the captured template, rebuilding it from the journal if it is gone) also runs off the mailbox;
/// calls that arrive meanwhile wait in the stash. If the actor crashes while a call runs, its supervisor (the session)
/// restarts it with the workspace the journal describes (what the cut call changed is undone) and the call in flight is
/// answered with E_INTERNAL, never left hanging. Whenever this actor stops or restarts, the call in
/// flight is cancelled, which kills every process it started: no old command writes into the workspace after its call was
/// answered.</summary>
public sealed class EnvironmentActor : ReceiveActor, IWithStash
{
    private readonly string _root;
    private readonly WorkspaceSource _source;
    private readonly ImmutableList<string> _tools;
    private readonly EnvironmentSettings _settings;
    private readonly ImmutableList<McpServerSpec>? _mcpServers;
    private McpSessionServers? _mcp;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IToolExecutor? _executor;
    private Workspace? _workspace;
    private (IActorRef ReplyTo, ToolCall Call, CancellationTokenSource Cancel)? _inFlight;

    /// <summary>Cancelled when this incarnation ends: the tool call and grader it started are killed with it.</summary>
    private readonly CancellationTokenSource _lifetime = new();

    /// <summary>The session's agent program, while it runs: cancelled to stop it. Its changes are tracked at each request
    /// boundary by <see cref="_agentChanges"/>.</summary>
    private CancellationTokenSource? _agentRun;
    private AgentChanges? _agentChanges;

    /// <summary>This incarnation replaces one that crashed.</summary>
    private bool _restarted;

    public IStash Stash { get; set; } = null!;

    public EnvironmentActor(string root, WorkspaceSource source, ImmutableList<string> tools, EnvironmentSettings settings,
        ImmutableList<McpServerSpec>? mcpServers)
    {
        _root = root;
        _source = source;
        _tools = tools;
        _settings = settings;
        _mcpServers = mcpServers;
        Preparing();
    }

    /// <param name="mcpServers">The task's MCP servers with the tools the fleet listed: each started at the session's
    /// first call to it, stopped with this actor.</param>
    public static Props Props(string root, WorkspaceSource source, ImmutableList<string> tools, EnvironmentSettings settings,
        ImmutableList<McpServerSpec>? mcpServers = null) =>
        Akka.Actor.Props.Create(() => new EnvironmentActor(root, source, tools, settings, mcpServers));

    /// <summary>After a crash the workspace goes back to what the journal holds: what the cut call may have written was
    /// never journaled, and a workspace the journal cannot rebuild would part ways with its trace.</summary>
    protected override void PostRestart(Exception reason)
    {
        _restarted = true;
        base.PostRestart(reason); // calls PreStart
    }

    protected override void PreStart()
    {
        var (root, source, tools, settings, mcp) = (_root, _restarted ? _source with { Restore = true } : _source, _tools, _settings, _mcpServers);
        OpenAsync(root, source, tools, settings, mcp).PipeTo(Self, failure: ex => new WorkspaceFailed(ex));
    }

    /// <summary>Off the mailbox, and its blocking parts off the thread pool too (<see cref="WorkspaceThreads"/>): the mount,
    /// a rebuild, and the executor's first look at the session's changes.</summary>
    private static async Task<WorkspaceReady> OpenAsync(string root, WorkspaceSource source, ImmutableList<string> tools, EnvironmentSettings settings,
        ImmutableList<McpServerSpec>? mcpServers)
    {
        var workspace = await source.OpenAsync(root);
        var mcp = mcpServers is { IsEmpty: false } ? new McpSessionServers(mcpServers, workspace, settings.Options, settings.McpStartTimeoutOrDefault) : null;
        return await WorkspaceThreads.Run(() => new WorkspaceReady(workspace,
            settings.ExecutorFactory?.Invoke(workspace, tools)
            ?? (mcp is null ? new ToolExecutor(workspace, tools, settings.Options, source.Blobs) : new ToolExecutor(workspace, tools, mcp, settings.Options, source.Blobs)),
            mcp));
    }

    private void Preparing()
    {
        Receive<WorkspaceReady>(ready =>
        {
            (_workspace, _executor, _mcp) = (ready.Workspace, ready.Executor, ready.Mcp);
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<WorkspaceFailed>(failed =>
        {
            _log.Error(failed.Error, "Workspace {0} could not be prepared", _root);
            Context.Parent.Tell(new EnvironmentUnavailable($"workspace '{_root}' could not be prepared: {failed.Error.Message}"));
        });
        Receive<RunTool>(_ => Stash.Stash());
        Receive<RunGrader>(_ => Stash.Stash());
        Receive<StartAgent>(_ => Stash.Stash());
        Receive<TrackAgentChanges>(_ => Stash.Stash());
        Receive<StopAgent>(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<RunTool>(run =>
        {
            var replyTo = Sender;
            var cancel = CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token);
            _inFlight = (replyTo, run.Call, cancel);
            if (run.SeenFiles is { Count: > 0 } seen) _executor!.Remember(seen);
            Execute(_executor!, run.Call, _settings.ToolTimeout, cancel.Token)
                .PipeTo(Self, success: ran => new Executed(replyTo, ran));
        });
        Receive<CancelInFlight>(_ => _inFlight?.Cancel.Cancel()); // the agent program is stopped by StopAgent, after its grace
        // A grader waits for a call still in flight (a session stopped mid-command cancels it first), and for the agent program
        // to be gone: it scores the workspace the session left, not one an old command is still changing.
        Receive<RunGrader>(_ => _inFlight is not null || _agentRun is not null, _ => Stash.Stash());
        Receive<StopAgent>(stop => _agentRun?.CancelAfter(stop.Grace));
        Receive<StartAgent>(start =>
        {
            if (_agentRun is not null) return; // one program per session at a time
            var (replyTo, run) = (Sender, CancellationTokenSource.CreateLinkedTokenSource(_lifetime.Token));
            _agentRun = run;
            _agentChanges = new AgentChanges(new ChangeTracker(_workspace!, _source.Blobs));
            RunAgentAsync(_workspace!, _agentChanges, start.Launch, _settings.Options, run.Token)
                .PipeTo(Self, success: ended => new AgentDone(replyTo, ended),
                    failure: ex => new AgentDone(replyTo, new AgentProgramEnded(new AgentOutcome(null, false, $"the agent program could not run: {ex.Message}"), [])));
        });
        Receive<AgentDone>(done =>
        {
            _agentRun?.Dispose();
            _agentRun = null;
            Stash.UnstashAll();
            done.ReplyTo.Tell(done.Ended);
        });
        Receive<TrackAgentChanges>(_ =>
        {
            var replyTo = Sender;
            var changes = _agentChanges;
            if (changes is null)
            {
                replyTo.Tell(new AgentChangesTracked([]));
                return;
            }
            WorkspaceThreads.Run(changes.Since).PipeTo(replyTo, success: c => new AgentChangesTracked(c),
                failure: ex =>
                {
                    _log.Warning("Workspace {0}: the agent's changes could not be read: {1}", _root, ex.Message);
                    return new AgentChangesTracked([]);
                });
        });
        Receive<RunGrader>(run =>
        {
            var options = _settings.Options;
            var request = CommandRequest.In(_workspace!, run.Grader.Command, TimeSpan.FromSeconds(run.Grader.TimeoutSeconds), options);
            CommandRunner.RunAsync(request, _lifetime.Token)
                .PipeTo(Sender, success: r => new GraderRan(r.ExitCode, r.Stdout, r.TimedOut, r.LimitHit is { } limit ? LimitKinds.Describe(limit, options.CommandLimits) : null),
                    failure: ex => new GraderRan(null, "", false, $"the grader could not run: {ex.Message}"));
        });
        Receive<Executed>(done =>
        {
            if (_inFlight is var (_, call, cancel) && call.Id == done.Ran.Result.ToolCallId)
            {
                cancel.Dispose();
                _inFlight = null;
                Stash.UnstashAll();
            }
            done.ReplyTo.Tell(done.Ran);
        });
    }

    /// <summary>Runs the agent program to its end; then what it changed after its last request.</summary>
    private static async Task<AgentProgramEnded> RunAgentAsync(Workspace workspace, AgentChanges changes, AgentLaunch launch, EnvironmentOptions options,
        CancellationToken cancelled)
    {
        await WorkspaceThreads.Run(changes.Since); // what was there before it started is not its doing
        var outcome = await AgentProgram.RunAsync(workspace, launch, options, cancelled);
        return new AgentProgramEnded(outcome, await WorkspaceThreads.Run(changes.Since));
    }

    /// <summary>The agent's changes, read at each request boundary and when it ends; one reading at a time.</summary>
    private sealed class AgentChanges(ChangeTracker tracker)
    {
        private readonly Lock _lock = new();

        public ImmutableList<FileChange> Since()
        {
            lock (_lock) return tracker.Track().Changes;
        }
    }

    private sealed record AgentDone(IActorRef ReplyTo, AgentProgramEnded Ended);

    private static async Task<ToolRan> Execute(IToolExecutor executor, ToolCall call, TimeSpan timeout, CancellationToken cancelled)
    {
        var clock = Stopwatch.StartNew();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancelled);
        cancel.CancelAfter(timeout);
        try
        {
            var execution = await executor.ExecuteAsync(call, cancel.Token);
            return new ToolRan(execution.Outcome, clock.ElapsedMilliseconds, execution.Changes);
        }
        catch (Exception ex)
        {
            // The executor answers tool-level problems itself; anything escaping it is our bug, still an answer.
            return new ToolRan(ToolResult.Failure(call, ErrorCodes.Internal, $"The tool crashed: {ex.Message}"), clock.ElapsedMilliseconds, []);
        }
    }

    protected override void PreRestart(Exception reason, object message)
    {
        if (_inFlight is var (replyTo, call, _))
        {
            _log.Error(reason, "Environment {0} crashed while running {1} ({2}); restarting it", _root, call.Name, call.Id);
            replyTo.Tell(new ToolRan(ToolResult.Failure(call, ErrorCodes.Internal,
                $"The environment crashed while '{call.Name}' ran ({reason.GetType().Name}: {reason.Message}). It was restarted; " +
                "whatever the call changed in the workspace was undone."), 0, []));
        }
        base.PreRestart(reason, message); // stops this incarnation: PostStop cancels what it started
    }

    protected override void PostStop()
    {
        _lifetime.Cancel();
        _lifetime.Dispose();
        // Unmounted now, before a restarted incarnation mounts the same folder again (the unmount is lazy: a server still
        // running there keeps its view until it is stopped). Its MCP servers stop in the background, never on this thread.
        _workspace?.Dispose(); // the changes stay on disk
        if (_mcp is { } mcp) McpServerStops.Begin(mcp);
        base.PostStop();
    }

    private sealed record Executed(IActorRef ReplyTo, ToolRan Ran);

    private sealed record WorkspaceReady(Workspace Workspace, IToolExecutor Executor, McpSessionServers? Mcp);

    private sealed record WorkspaceFailed(Exception Error);
}
