using System.Collections.Immutable;
using System.Diagnostics;
using ActorRollouts.Environments;
using ActorRollouts.Core.Model;
using Akka.Actor;
using Akka.Event;
using static ActorRollouts.Actors.Environments.EnvironmentProtocol;

namespace ActorRollouts.Actors.Environments;

/// <summary>Owns one session's workspace and executes its tool calls off the mailbox. Preparing the workspace
/// (copying the task's template) also runs off the mailbox; calls that arrive meanwhile wait in the stash.</summary>
public sealed class EnvironmentActor : ReceiveActor, IWithStash
{
    private readonly string _root;
    private readonly string? _template;
    private readonly ImmutableList<string> _tools;
    private readonly TimeSpan _toolTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private ToolExecutor? _executor;

    public IStash Stash { get; set; } = null!;

    public EnvironmentActor(string root, string? template, ImmutableList<string> tools, TimeSpan toolTimeout)
    {
        _root = root;
        _template = template;
        _tools = tools;
        _toolTimeout = toolTimeout;
        Preparing();
    }

    public static Props Props(string root, string? template, ImmutableList<string> tools, TimeSpan toolTimeout) =>
        Akka.Actor.Props.Create(() => new EnvironmentActor(root, template, tools, toolTimeout));

    protected override void PreStart()
    {
        var (root, template) = (_root, _template);
        Task.Run(() => Workspace.Create(root, template))
            .PipeTo(Self, success: ws => new WorkspaceReady(ws), failure: ex => new WorkspaceFailed(ex));
    }

    private void Preparing()
    {
        Receive<WorkspaceReady>(ready =>
        {
            _executor = new ToolExecutor(ready.Workspace, _tools);
            Become(Ready);
            Stash.UnstashAll();
        });
        Receive<WorkspaceFailed>(failed =>
        {
            _log.Error(failed.Error, "Workspace {0} could not be prepared", _root);
            Context.Parent.Tell(new EnvironmentUnavailable($"workspace '{_root}' could not be prepared: {failed.Error.Message}"));
        });
        Receive<RunTool>(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<RunTool>(run =>
        {
            var replyTo = Sender;
            var executor = _executor!;
            var timeout = _toolTimeout;
            Execute(executor, run.Call, timeout).PipeTo(replyTo);
        });
    }

    private static async Task<ToolRan> Execute(ToolExecutor executor, ToolCall call, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(timeout);
        ToolResult result;
        try
        {
            result = await executor.ExecuteAsync(call, cancel.Token);
        }
        catch (Exception ex)
        {
            // The executor answers tool-level problems itself; anything escaping it is our bug, still an answer.
            result = ToolResult.Failure(call, ErrorCodes.Internal, $"The tool crashed: {ex.Message}");
        }
        return new ToolRan(result, clock.ElapsedMilliseconds);
    }

    private sealed record WorkspaceReady(Workspace Workspace);

    private sealed record WorkspaceFailed(Exception Error);
}
