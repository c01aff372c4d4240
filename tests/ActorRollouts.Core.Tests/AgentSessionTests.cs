using System.Collections.Immutable;
using ActorRollouts.Core.Agents;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Core.Tests;

/// <summary>Agent sessions' rules: each request a turn, journaled as what is new in it, placed in its thread; the program's
/// end ends the session; the state rebuilt from the events is the conversation the agent had.</summary>
public class AgentSessionTests
{
    private static readonly AgentSpec Agent = new(["python3", "agent.py"]);

    private static SessionState Started(int maxTurns = 5) =>
        Given.Run(SessionState.Empty, new Start(Given.Spec(maxTurns) with { Agent = Agent }, "/ws", Given.T0));

    private static AgentRequest Request(params Message[] messages) => new("chat", "any", false, false, [.. messages], []);

    private static readonly Message System = Message.System("be careful");
    private static readonly Message User = Message.User("fix it");

    /// <summary>A turn: the request, the model's answer to it.</summary>
    private static SessionState Turn(SessionState state, AgentRequest request, Message answer, ImmutableList<FileChange>? changes = null)
    {
        state = Given.Run(state, new AgentRequested(request, changes ?? [], Given.T0));
        var turn = state.InFlightTurn ?? state.Turns + 1;
        return Given.Run(state, new ModelAttemptStarting(turn, 1, Given.T0),
            new ModelResponded(turn, new ModelResponse($"r{turn}", answer, new Usage(10, 5), "stop", 3), Given.T0));
    }

    [Fact]
    public void Start_OfAnAgentSession_AddsNoMessages_AndWaitsForTheAgent()
    {
        var state = Started();

        Assert.Empty(state.Messages);
        Assert.Equal(SessionEffect.Waiting, SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Request_IsAModelTurn_OfItsThreadsTranscript()
    {
        var (events, next) = SessionDecider.Step(Started(), new AgentRequested(Request(System, User), [], Given.T0), Given.T0);

        var received = Assert.IsType<AgentRequestReceived>(events[0]);
        Assert.Equal((1, 0, null, 0, 2), (received.Turn, received.Thread, received.FromThread, received.BaseLength, received.New.Count));
        Assert.IsType<ModelRequestStarted>(events[1]);
        Assert.Equal(new SessionEffect.CallModel(1), next);
    }

    [Fact]
    public void AgentsResentHistory_IsJournaledAsALength_OnlyTheNewMessagesAsMessages()
    {
        var call = new ToolCall("c1", "shell", """{"command":"ls"}""");
        var answer = Message.Assistant(null, [call]) with { ReasoningContent = "thinking", Id = "msg_1" }; // what the agent cannot send back
        var state = Turn(Started(), Request(System, User), answer);
        var toolResult = new Message(Roles.Tool, "a.txt", ToolCallId: "c1");
        var resent = Request(System, User, Message.Assistant("", [new ToolCall("c1", "shell", """{"command":"ls"}""")]), toolResult);

        var events = SessionDecider.Decide(state, new AgentRequested(resent, [], Given.T0));

        var received = Assert.IsType<AgentRequestReceived>(Assert.Single(events));
        Assert.Equal((0, 3, 1), (received.Thread, received.BaseLength, received.New.Count));
        Assert.Null(received.Tools); // unchanged
        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        Assert.Equal([Roles.System, Roles.User, Roles.Assistant, Roles.Tool], after.Messages.Select(m => m.Role));
        Assert.Equal("thinking", after.Messages[2].ReasoningContent); // the journal's richer copy stays
    }

    [Fact]
    public void ADifferentConversation_IsAThreadOfItsOwn_BranchingWhereItParts()
    {
        var state = Turn(Started(), Request(System, User), Message.Assistant("done"));
        var summariser = Request(System, Message.User("summarise the session"));

        var events = SessionDecider.Decide(state, new AgentRequested(summariser, [], Given.T0));

        var received = Assert.IsType<AgentRequestReceived>(Assert.Single(events));
        Assert.Equal((1, 0, 1, 1), (received.Thread, received.FromThread, received.BaseLength, received.New.Count));
        var after = Turn(state, summariser, Message.Assistant("summary"));
        Assert.Equal(2, after.Threads.Count);
        Assert.Equal(["be careful", "fix it", "done"], after.Threads[0].Messages.Select(m => m.Content));
        Assert.Equal(["be careful", "summarise the session", "summary"], after.Threads[1].Messages.Select(m => m.Content));
        Assert.Equal(after.Threads[0].Messages, after.Messages); // the first thread is the session's transcript
    }

    [Fact]
    public void WorkspaceChanges_BeforeARequest_AreThatTurnsFileChanges()
    {
        var change = new FileChange("a.txt", FileChangeKinds.Modified, 1, 2, "--- a/a.txt\n+++ b/a.txt\n", "ab");
        var state = Turn(Started(), Request(System, User), Message.Assistant("go"));

        var events = SessionDecider.Decide(state, new AgentRequested(Request(System, User, Message.Assistant("go"), Message.User("more")), [change], Given.T0));

        var changed = Assert.IsType<FileChanged>(events[0]);
        Assert.Equal((SessionDecider.AgentTurnChanges(2), "a.txt"), (changed.ToolCallId, changed.Change.Path));
        Assert.Single(SessionEvents.WorkspaceChanges(events)); // what workspace --at and fork rebuild from
    }

    [Fact]
    public void AModelAnswerWithToolCalls_LeavesThemToTheAgent()
    {
        var state = Turn(Started(), Request(System, User), Message.Assistant(null, [new ToolCall("c1", "shell", "{}")]));

        Assert.Equal(SessionEffect.Waiting, SessionDecider.NextEffect(state)); // no tool runs here: the agent runs its own
        Assert.Null(state.AgentTurnThread);
    }

    [Fact]
    public void TheProgramsExit_EndsTheSession_WithItsCodeAndStderr()
    {
        var state = Turn(Started(), Request(System, User), Message.Assistant("done"));

        var (events, _) = SessionDecider.Step(state, new AgentEnded(3, false, "Traceback", [], Given.T0), Given.T0);

        Assert.Equal(new AgentExited(3, false, "Traceback", Given.T0), events[0]);
        Assert.Equal(StopReasons.AgentExit, Assert.IsType<SessionCompleted>(events[^1]).StopReason);
        var timedOut = SessionDecider.Step(state, new AgentEnded(null, true, "", [], Given.T0), Given.T0).Events;
        Assert.Equal(StopReasons.AgentTimeout, Assert.IsType<SessionCompleted>(timedOut[^1]).StopReason);
    }

    [Fact]
    public void AProgramStoppedAfterItsSessionEnded_HasItsEndJournaledStill_Once()
    {
        var stopped = Given.Run(Started(), new Stop(StopReasons.MaxTurns, "max", Given.T0));

        var events = SessionDecider.Decide(stopped, new AgentEnded(null, false, "", [], Given.T0));

        Assert.IsType<AgentExited>(Assert.Single(events));
        Assert.Empty(SessionDecider.Decide(events.Aggregate(stopped, (s, e) => s.Apply(e)), new AgentEnded(0, false, "", [], Given.T0)));
    }

    [Fact]
    public void ABadRequest_IsJournaled_AndChangesNothingElse()
    {
        var state = Started();

        var events = SessionDecider.Decide(state, new AgentRequestInvalid("Unsupported field 'functions'", "functions", Given.T0));

        Assert.Equal(new AgentRequestRejected("Unsupported field 'functions'", "functions", Given.T0), Assert.Single(events));
        Assert.Equal(SessionEffect.Waiting, SessionDecider.NextEffect(state.Apply(events[0])));
    }

    [Fact]
    public void AgentThreadsSame_IgnoresWhatTheWireCannotCarry_ButNotWhatWasSaid()
    {
        var journaled = Message.Assistant(null, [new ToolCall("c1", "shell", "{}")]) with { ReasoningContent = "r", Id = "x" };

        Assert.True(AgentThreads.Same(journaled, Message.Assistant("", [new ToolCall("c1", "shell", "{}")])));
        Assert.False(AgentThreads.Same(journaled, Message.Assistant("", [new ToolCall("c1", "shell", """{"a":1}""")])));
        Assert.False(AgentThreads.Same(Message.User("a"), Message.User("b")));
    }

    [Fact]
    public void Replay_FromTheJournal_GivesEachTurnsRequestChangesAndAnswer_AndADivergenceTakesTheLaterTurnsBack()
    {
        var change = new FileChange("a.txt", FileChangeKinds.Created, null, 2, null, "ab");
        var call = new ToolCall("c1", "shell", """{"command":"ls"}""");
        var first = Request(System, User);
        var second = Request(System, User, Message.Assistant(null, [call]), new Message(Roles.Tool, "a.txt", ToolCallId: "c1"));
        var events = new List<SessionEvents.ISessionEvent>();
        var state = SessionState.Empty;
        void Do(ISessionInput input)
        {
            var made = SessionDecider.Decide(state, input);
            events.AddRange(made);
            state = made.Aggregate(state, (s, e) => s.Apply(e));
        }
        Do(new Start(Given.Spec() with { Agent = Agent }, "/ws", Given.T0));
        foreach (var (request, answer, changes) in new[] { (first, Message.Assistant(null, [call]), ImmutableList<FileChange>.Empty), (second, Message.Assistant("done"), [change]) })
        {
            Do(new AgentRequested(request, changes, Given.T0));
            Do(new ModelAttemptStarting(state.Turns + 1, 1, Given.T0));
            Do(new ModelResponded(state.Turns + 1, new ModelResponse($"r{state.Turns + 1}", answer, new Usage(10, 5), "stop", 3), Given.T0));
        }

        var turns = AgentReplay.From(events);

        Assert.Equal([1, 2], turns.Select(t => t.Turn));
        Assert.Null(AgentReplay.Differs(turns[1], second));
        Assert.Equal([change], turns[1].Changes);
        Assert.Equal(("r2", "gpt-4o", "done"), (turns[1].Answer.Id, turns[1].Answer.Model, turns[1].Answer.Assistant.Content));
        Assert.StartsWith("message 1 (user) differs", AgentReplay.Differs(turns[0], Request(System, Message.User("fix something else"))));
        Assert.StartsWith("the request has 3 messages", AgentReplay.Differs(turns[0], Request(System, User, User)));
        Assert.Null(AgentReplay.WorkspaceDiffers([change], [change with { Diff = "other text, same content" }]));
        Assert.Contains("the journal has a.txt created", AgentReplay.WorkspaceDiffers([change], []));

        // The replay parts at turn 2: turn 1 stands, turn 2's messages, changes and answer are taken back.
        var diverged = new SessionEvents.ReplayDiverged(1, "turn 2: the workspace differs", Given.T0);
        var after = state.Apply(diverged);
        Assert.Equal([Roles.System, Roles.User, Roles.Assistant], after.Messages.Select(m => m.Role));
        Assert.Single(after.AgentTurns);
        Assert.Single(AgentReplay.From([.. events, diverged]));
        Assert.Empty(SessionEvents.WorkspaceChanges([.. events, diverged]));
        Assert.Single(SessionEvents.WorkspaceChanges(events));
    }
}
