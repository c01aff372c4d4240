using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

/// <summary><see cref="SessionDecider.Step"/>: an input's events and the start of the step after it, for one write.</summary>
public class SessionStepTests
{
    [Fact]
    public void Step_Start_JournalsTheFirstModelRequestWithTheStartAndCallsTheModel()
    {
        var (events, next) = SessionDecider.Step(SessionState.Empty, new Start(Spec(), "/ws", T0), T0);

        Assert.Equal(["SessionStarted", "MessageAppended", "MessageAppended", "ModelRequestStarted"], events.Select(e => e.GetType().Name));
        Assert.Equal(new SessionEffect.CallModel(1), next);
    }

    [Fact]
    public void Step_AnswerWithToolCall_JournalsTheToolCallStartWithTheAnswerAndRunsIt()
    {
        var call = Call("c1");
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0));

        var (events, next) = SessionDecider.Step(state, new ModelResponded(1, Answer("reading", call), T0), T0);

        Assert.IsType<ToolCallStarted>(events[^1]);
        Assert.Equal(new SessionEffect.RunTool(call), next);
    }

    [Fact]
    public void Step_FinalAnswer_JournalsTheCompletionAndLeavesNothingToDo()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0));

        var (events, next) = SessionDecider.Step(state, new ModelResponded(1, Answer("done"), T0), T0);

        Assert.Equal(StopReasons.Done, Assert.IsType<SessionCompleted>(events[^1]).StopReason);
        Assert.Equal(SessionEffect.Nothing, next);
    }

    [Fact]
    public void Step_InputThatChangesNothing_GivesNoEvents()
    {
        var (events, next) = SessionDecider.Step(Started(), new Start(Spec(), "/ws", T0), T0);

        Assert.Empty(events);
        Assert.Equal(SessionEffect.Nothing, next);
    }
}
