using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

public class SessionDeciderTests
{
    [Fact]
    public void Decide_Start_EmitsStartedThenSystemAndUserMessages()
    {
        var events = SessionDecider.Decide(SessionState.Empty, new Start(Spec(), "/ws", T0));

        Assert.Collection(events,
            e => Assert.IsType<SessionStarted>(e),
            e => Assert.Equal(Message.System("be brief"), ((MessageAppended)e).Message),
            e => Assert.Equal(Message.User("fix the bug"), ((MessageAppended)e).Message));
    }

    [Fact]
    public void Decide_StartWithoutSystemPrompt_EmitsOnlyUserMessage()
    {
        var events = SessionDecider.Decide(SessionState.Empty, new Start(Spec(system: null), "/ws", T0));

        Assert.Equal([Roles.User], events.OfType<MessageAppended>().Select(e => e.Message.Role));
    }

    [Fact]
    public void Decide_StartTwice_EmitsNothingTheSecondTime()
    {
        Assert.Empty(SessionDecider.Decide(Started(), new Start(Spec(), "/ws", T0)));
    }

    [Fact]
    public void NextEffect_AfterStart_CallsModelForTurnOne()
    {
        Assert.Equal(new SessionEffect.CallModel(1), SessionDecider.NextEffect(Started()));
    }

    [Fact]
    public void NextEffect_RequestInFlight_Waits()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0));

        Assert.Equal(1, state.InFlightTurn);
        Assert.IsType<SessionEffect.Wait>(SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_ToolCallsInResponse_AppendsAssistantAndNextEffectRunsFirstCall()
    {
        var (a, b) = (Call("c1"), Call("c2"));
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer("looking", a, b), T0));

        Assert.Equal(1, state.Turns);
        Assert.Null(state.InFlightTurn);
        Assert.Equal("looking", state.Messages[^1].Content);
        Assert.Equal(new SessionEffect.RunTool(a), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_ToolStartingThenFinished_RunsCallsInOrderThenCallsModelAgain()
    {
        var (a, b) = (Call("c1"), Call("c2"));
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a, b), T0),
            new ToolStarting(a, T0));
        Assert.IsType<SessionEffect.Wait>(SessionDecider.NextEffect(state));

        state = Run(state, new ToolFinished(Ok(a), 3, T0));
        Assert.Equal(new SessionEffect.RunTool(b), SessionDecider.NextEffect(state));

        state = Run(state, new ToolStarting(b, T0), new ToolFinished(Ok(b), 3, T0));
        Assert.Equal(new SessionEffect.CallModel(2), SessionDecider.NextEffect(state));
        Assert.Equal(["c1", "c2"], state.Messages.Where(m => m.Role == Roles.Tool).Select(m => m.ToolCallId));
    }

    [Fact]
    public void NextEffect_AssistantWithoutToolCalls_CompletesDone()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer("all fixed"), T0));

        Assert.Equal(new SessionEffect.Complete(StopReasons.Done), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void NextEffect_MaxTurnsReachedWhileModelStillCallsTools_CompletesMaxTurnsAfterToolsRan()
    {
        var a = Call("c1");
        var state = Run(Started(maxTurns: 1), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a), T0));
        Assert.Equal(new SessionEffect.RunTool(a), SessionDecider.NextEffect(state));

        state = Run(state, new ToolStarting(a, T0), new ToolFinished(Ok(a), 1, T0));

        Assert.Equal(new SessionEffect.Complete(StopReasons.MaxTurns), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_ResponseForAnotherTurn_IsIgnored()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0));

        Assert.Empty(SessionDecider.Decide(state, new ModelResponded(7, Answer("late"), T0)));
    }

    [Fact]
    public void Decide_ToolResultForCallNotRunning_IsIgnored()
    {
        var a = Call("c1");
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a), T0));

        Assert.Empty(SessionDecider.Decide(state, new ToolFinished(Ok(a), 1, T0)));
    }

    [Fact]
    public void Decide_AttemptFailedWithRetry_KeepsRequestInFlight()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0),
            new ModelAttemptFailed(1, 1, ModelErrorKinds.Http, 500, null, true, "boom", T0));

        Assert.Equal(SessionStatus.Running, state.Status);
        Assert.IsType<SessionEffect.Wait>(SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_AttemptFailedWithoutRetry_FailsSessionWithReadableReason()
    {
        var events = SessionDecider.Decide(Run(Started(), new ModelAttemptStarting(1, 2, T0)),
            new ModelAttemptFailed(1, 2, ModelErrorKinds.Connection, null, null, false, "Connection refused (127.0.0.1:9)", T0));

        Assert.IsType<ModelRequestFailed>(events[0]);
        var failed = Assert.IsType<SessionFailed>(events[1]);
        Assert.Contains("Connection refused (127.0.0.1:9)", failed.Error);
        Assert.Contains("2 attempt", failed.Error);
    }

    [Fact]
    public void Decide_ResumeWithRequestInFlight_JournalsResumedAndCallsModelAgain()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0));

        var events = SessionDecider.Decide(state, new Resume(4, _ => true, T0));
        state = events.Aggregate(state, (s, e) => s.Apply(e));

        Assert.Equal(4, Assert.IsType<SessionResumed>(Assert.Single(events)).FromSequenceNr);
        Assert.Equal(new SessionEffect.CallModel(1), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_ResumeWithIdempotentToolRunning_RerunsIt()
    {
        var a = Call("c1", "read_file");
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a), T0), new ToolStarting(a, T0));

        state = Run(state, new Resume(9, name => name == "read_file", T0));

        Assert.Equal(new SessionEffect.RunTool(a), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_ResumeWithNonIdempotentToolRunning_AnswersInterrupted()
    {
        var a = Call("c1", "write_file", """{"path":"a","content":"x"}""");
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a), T0), new ToolStarting(a, T0));

        state = Run(state, new Resume(9, name => name == "read_file", T0));

        var tool = state.Messages[^1];
        Assert.Equal(Roles.Tool, tool.Role);
        Assert.Equal(ErrorCodes.Interrupted, tool.ToolResult!.ErrorCode);
        Assert.Equal(new SessionEffect.CallModel(2), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_AnythingAfterCompletion_EmitsNothing()
    {
        var state = Run(Started(), new Finish(StopReasons.Done, T0));

        Assert.Equal(SessionStatus.Completed, state.Status);
        Assert.Empty(SessionDecider.Decide(state, new ModelAttemptStarting(1, 1, T0)));
        Assert.IsType<SessionEffect.None>(SessionDecider.NextEffect(state));
    }
}

public class SessionDeciderStopTests
{
    [Fact]
    public void NextEffect_AnswerCutByOutputLimit_CompletesMaxTokens()
    {
        var cut = Given.Answer("partial") with { FinishReason = "length" };
        var state = Given.Run(Given.Started(), new SessionInputs.ModelAttemptStarting(1, 1, Given.T0), new SessionInputs.ModelResponded(1, cut, Given.T0));

        Assert.Equal(new SessionEffect.Complete(StopReasons.MaxTokens), SessionDecider.NextEffect(state));
    }
}

public class ConfirmationDeciderTests
{
    private static readonly ToolCall Delete = Given.Call("d1", "delete_file", """{"path":"a.txt"}""");

    private static SessionState AwaitingDelete()
    {
        var started = Given.Run(SessionState.Empty, new SessionInputs.Start(Given.Spec() with { ConfirmTools = ["delete_file"] }, "/ws", Given.T0));
        return Given.Run(started, new SessionInputs.ModelAttemptStarting(1, 1, Given.T0), new SessionInputs.ModelResponded(1, Given.Answer(null, Delete), Given.T0));
    }

    [Fact]
    public void NextEffect_CallNeedingConfirmation_AsksFirstThenWaits()
    {
        var state = AwaitingDelete();
        Assert.Equal(new SessionEffect.Confirm(Delete), SessionDecider.NextEffect(state));

        state = Given.Run(state, new SessionInputs.ConfirmationNeeded(Delete, Given.T0));

        Assert.IsType<SessionEffect.Wait>(SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_Approved_JournalsItAndTheCallRuns()
    {
        var state = Given.Run(AwaitingDelete(), new SessionInputs.ConfirmationNeeded(Delete, Given.T0),
            new SessionInputs.ConfirmationAnswered("d1", true, "user", Given.T0));

        Assert.Equal(true, state.Confirmations["d1"]);
        Assert.Equal(new SessionEffect.RunTool(Delete), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Decide_Denied_AnswersTheCallWithConfirmedDenyAndTheModelIsAskedAgain()
    {
        var state = Given.Run(AwaitingDelete(), new SessionInputs.ConfirmationNeeded(Delete, Given.T0));

        var events = SessionDecider.Decide(state, new SessionInputs.ConfirmationAnswered("d1", false, "policy:deny", Given.T0));
        state = events.Aggregate(state, (s, e) => s.Apply(e));

        Assert.Equal(["ConfirmationResolved", "ToolCallCompleted", "MessageAppended"], events.Select(e => e.GetType().Name));
        Assert.Equal(ErrorCodes.ConfirmedDeny, state.Messages[^1].ToolResult!.ErrorCode);
        Assert.Equal(new SessionEffect.CallModel(2), SessionDecider.NextEffect(state));
    }

    [Fact]
    public void Apply_ResumeWithAQuestionPending_AsksItAgain()
    {
        var state = Given.Run(AwaitingDelete(), new SessionInputs.ConfirmationNeeded(Delete, Given.T0), new SessionInputs.Resume(9, _ => false, Given.T0));

        Assert.Equal(new SessionEffect.Confirm(Delete), SessionDecider.NextEffect(state));
    }
}

public class PartialBatchTests
{
    [Fact]
    public void Decide_ResumeAfterOnlySessionStartedWasStored_AppendsTheOpeningMessages()
    {
        var onlyStarted = SessionState.Empty.Apply(new SessionEvents.SessionStarted(Given.Spec(), "/ws", Given.T0));

        var resumed = Given.Run(onlyStarted, new SessionInputs.Resume(1, _ => false, Given.T0));

        Assert.Equal([Roles.System, Roles.User], resumed.Messages.Select(m => m.Role));
        Assert.Equal(new SessionEffect.CallModel(1), SessionDecider.NextEffect(resumed));
    }
}
