using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>A tool that throws and an environment actor that dies mid-call both end in an error result the model reads,
/// and the session completes.</summary>
public class EnvironmentSupervisionTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dataDir;

    public EnvironmentSupervisionTests() : this(TestSystems.NewDataDir()) { }

    private EnvironmentSupervisionTests(string dataDir) : base(TestSystems.Config(dataDir)) => _dataDir = dataDir;

    /// <summary>The real executor, except for two tools: <c>explode</c> throws, <c>hang</c> waits until released.</summary>
    private sealed class Faulty(Workspace workspace, IToolExecutor real, TaskCompletionSource hangStarted, Task release) : IToolExecutor
    {
        public async Task<ToolExecution> ExecuteAsync(ToolCall call, CancellationToken cancellationToken)
        {
            if (call.Name == "explode") throw new InvalidOperationException("the tool blew up");
            if (call.Name != "hang") return await real.ExecuteAsync(call, cancellationToken);
            File.WriteAllText(Path.Combine(workspace.Root, "half-written.txt"), "the call wrote this, then its environment crashed\n");
            hangStarted.TrySetResult();
            await release;
            return new ToolExecution(ToolResult.Success(call, "too late"), []);
        }
    }

    private (SessionServices Services, TaskCompletionSource HangStarted, TaskCompletionSource Release) FaultyServices()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var services = Fixtures.Services(Sys, _dataDir);
        services = services with
        {
            Settings = services.Settings with
            {
                Environment = services.Settings.Environment with
                {
                    ExecutorFactory = (ws, tools) => new Faulty(ws, new ToolExecutor(ws, tools.Where(ToolCatalog.IsKnown)), started, release.Task),
                },
            },
        };
        return (services, started, release);
    }

    [Fact]
    public async Task ToolThatThrows_IsAnInternalErrorResultAndTheSessionCompletes()
    {
        await using var server = await Fixtures.Server("""
            {"scenarios":[{"turns":[{"tool_calls":[{"name":"explode","arguments":{}}]},{"content":"recovered"}]}]}
            """);
        var spec = Fixtures.Spec("e1", "t", "go", server.BaseUrl) with { Tools = ["explode"] };
        var (services, _, _) = FaultyServices();
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, services), TestActor));

        parent.Tell(new StartSession(spec));

        Assert.Equal(("completed", "done"), ExpectMsg<SessionEnded>(Patience) is var e ? (e.Status, e.StopReason) : default);
        var result = (await new JournalReader(Sys).SessionEventsAsync(spec.SessionId)).Select(x => x.Event).OfType<ToolCallCompleted>().Single().Result;
        Assert.Equal(ErrorCodes.Internal, result.ErrorCode);
        Assert.Contains("the tool blew up", result.Content);
    }

    [Fact]
    public async Task EnvironmentKilledMidCall_AnswersTheCallWithAnError_RestartsWithTheJournalsWorkspace_AndTheSessionCompletes()
    {
        await using var server = await Fixtures.Server("""
            {"scenarios":[{"turns":[
              {"tool_calls":[{"name":"write_file","arguments":{"path":"kept.txt","content":"before the crash\n"}}]},
              {"tool_calls":[{"name":"hang","arguments":{}}]},
              {"tool_calls":[{"name":"read_file","arguments":{"path":"kept.txt"}}]},
              {"tool_calls":[{"name":"read_file","arguments":{"path":"half-written.txt"}}]},
              {"content":"still here"}]}]}
            """);
        var spec = Fixtures.Spec("e2", "t", "go", server.BaseUrl) with { Tools = ["write_file", "read_file", "hang"] };
        var (services, hangStarted, release) = FaultyServices();
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, services), TestActor));

        parent.Tell(new StartSession(spec));
        await hangStarted.Task.WaitAsync(Patience);
        Sys.ActorSelection(parent.Path / "child" / "environment").Tell(Kill.Instance);

        var ended = ExpectMsg<SessionEnded>(Patience);
        release.SetResult();
        Assert.Equal(("completed", "done"), (ended.Status, ended.StopReason));
        var results = (await new JournalReader(Sys).SessionEventsAsync(spec.SessionId)).Select(x => x.Event).OfType<ToolCallCompleted>().Select(c => c.Result).ToList();
        Assert.Equal(["write_file", "hang", "read_file", "read_file"], results.Select(r => r.Name));
        Assert.Equal(ErrorCodes.Internal, results[1].ErrorCode);
        Assert.Contains("environment crashed", results[1].Content);
        Assert.True(results[2].Ok, results[2].Content);                 // the restarted environment works...
        Assert.Contains("before the crash", results[2].Content);         // ...on the workspace the journal holds,
        Assert.Equal(ErrorCodes.NotFound, results[3].ErrorCode);         // without what the cut call wrote
        Assert.Contains("was undone", results[1].Content);
    }
}
