using ActorRollouts.Actors.Sessions;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Model;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>A command in flight never outlives the call that started it: an environment that restarts and a session
/// that stops kill what their call was running, so nothing keeps writing into the workspace after the call was answered.</summary>
public class InFlightCancellationTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    public InFlightCancellationTests() : this(TestSystems.NewDataDir()) { }

    private InFlightCancellationTests(string dataDir) : base(TestSystems.Config(dataDir)) => _dataDir = dataDir;

    private static string Script(string marker) => $$$"""
        {"scenarios":[{"turns":[
          {"tool_calls":[{"name":"bash","arguments":{"command":"exec -a {{{marker}}} sleep 600","timeout_s":100}}]},
          {"content":"went on"}]}]}
        """;

    private (IActorRef Parent, string SessionId) StartSession(Uri baseUrl, string taskId)
    {
        var spec = Fixtures.Spec("cancel", taskId, "go", baseUrl) with { Tools = ["bash"] };
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));
        parent.Tell(new StartSession(spec));
        return (parent, spec.SessionId);
    }

    private static string NewMarker() => $"ar-inflight-{Guid.NewGuid():n}"[..24];

    [Fact]
    public async Task EnvironmentRestartedMidCommand_KillsTheCommandAnswersItAndTheSessionGoesOn()
    {
        var marker = NewMarker();
        await using var server = await Fixtures.Server(Script(marker));
        var (parent, sessionId) = StartSession(server.BaseUrl, "restart");
        AwaitAssert(() => Assert.NotEmpty(ProcessTable.Mentioning(marker)), Patience); // the sandbox and the sleep in it

        Sys.ActorSelection(parent.Path / "child" / "environment").Tell(Kill.Instance);

        AwaitAssert(() => Assert.Empty(ProcessTable.Mentioning(marker)), Patience);
        Assert.Equal(("completed", "done"), ExpectMsg<SessionEnded>(Patience) is var e ? (e.Status, e.StopReason) : default);
        var result = (await new JournalReader(Sys).SessionEventsAsync(sessionId)).Select(x => x.Event).OfType<ToolCallCompleted>().Single().Result;
        Assert.Equal(ErrorCodes.Internal, result.ErrorCode);
    }

    [Fact]
    public async Task SessionStoppedMidCommand_KillsTheCommand()
    {
        var marker = NewMarker();
        await using var server = await Fixtures.Server(Script(marker));
        var (parent, _) = StartSession(server.BaseUrl, "stop");
        AwaitAssert(() => Assert.NotEmpty(ProcessTable.Mentioning(marker)), Patience); // the sandbox and the sleep in it

        Watch(parent);
        Sys.Stop(parent);
        ExpectTerminated(parent, Patience);

        AwaitAssert(() => Assert.Empty(ProcessTable.Mentioning(marker)), Patience);
    }
}
