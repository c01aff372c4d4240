using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

public class SessionStateTests
{
    [Fact]
    public void Apply_EventsBeforeStart_LeaveStateUnchanged()
    {
        var state = SessionState.Empty.Apply(new MessageAppended(Message.User("hi"), T0)).Apply(new SessionCompleted("done", T0));

        Assert.Equal(SessionStatus.NotStarted, state.Status);
        Assert.Empty(state.Messages);
    }

    [Fact]
    public void Apply_ResponsesSumUsageAndCountTurns()
    {
        var a = Call("c1");
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a), T0),
            new ToolStarting(a, T0), new ToolFinished(Ok(a), 1, T0),
            new ModelAttemptStarting(2, 1, T0), new ModelResponded(2, Answer("done"), T0));

        Assert.Equal(2, state.Turns);
        Assert.Equal(new Usage(20, 10), state.Usage);
        Assert.Equal(2, state.ModelRequests);
        Assert.Equal(1, state.ToolCallsCompleted);
    }

    [Fact]
    public void From_SameEvents_GivesEqualStateToStepwiseApply()
    {
        var events = SessionDecider.Decide(SessionState.Empty, new Start(Spec(), "/ws", T0));
        var stepwise = events.Aggregate(SessionState.Empty, (s, e) => s.Apply(e));

        var folded = SessionState.From(events);

        Assert.Equal(stepwise.Messages, folded.Messages);
        Assert.Equal(stepwise.Status, folded.Status);
        Assert.Equal(stepwise.Spec, folded.Spec);
    }

    [Fact]
    public void Apply_CompletedAndFailed_RecordEndAndReason()
    {
        var completed = Run(Started(), new Finish(StopReasons.MaxTurns, T0.AddSeconds(3)));
        var failed = Run(Started(), new Fail("boom", T0.AddSeconds(4)));

        Assert.Equal((SessionStatus.Completed, "max_turns", T0.AddSeconds(3)), (completed.Status, completed.StopReason, completed.EndedAt!.Value));
        Assert.Equal((SessionStatus.Failed, "boom"), (failed.Status, failed.Error));
    }
}

/// <summary>A fork begins from its parent's state: transcript and usage carried over, nothing of the parent's in flight
/// waited for, the time between the parent's last event and the fork not counted, and its next step decided as usual.</summary>
public class SessionForkTests
{
    [Fact]
    public void Forked_MidToolCall_KeepsTranscriptAndUsage_RunsTheCallAgain_AndCountsNoGap()
    {
        var a = Call("c1");
        var parent = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer(null, a), T0.AddSeconds(3)),
            new ToolStarting(a, T0.AddSeconds(4)));
        var spec = Spec() with { SessionId = "g:t:0", FleetId = "g", Fork = new Tasks.ForkOrigin(parent.Spec!.SessionId, 7) };
        var later = T0.AddHours(5);

        var events = SessionDecider.Decide(SessionState.Empty, new Fork(spec, "/ws/g", parent, [], later));
        var fork = SessionState.From(events);
        var (next, effect) = SessionDecider.StartNext(fork, later);

        Assert.Equal((parent.Messages, parent.Usage, parent.Turns), (fork.Messages, fork.Usage, fork.Turns));
        Assert.Equal((spec, "/ws/g", parent.Spec.SessionId, 7L), (fork.Spec, fork.Workspace, fork.ParentSessionId, fork.ForkedAtSeq));
        Assert.Empty(fork.RunningToolCalls);
        Assert.Equal(parent.RunningTime, fork.RunningTime); // five hours later, still four seconds of running
        Assert.Equal(a.Id, Assert.IsType<SessionEffect.RunTool>(effect).Call.Id);
        Assert.IsType<ToolCallStarted>(Assert.Single(next));
    }

    [Fact]
    public void Fork_OfASessionThatStarted_ChangesNothing()
    {
        var started = Started();

        Assert.Empty(SessionDecider.Decide(started, new Fork(started.Spec!, "/ws", started, [], T0)));
    }
}

/// <summary>What the session has read or written is folded from its journal, so a resumed or forked session keeps it.</summary>
public class SeenFilesTests
{
    private static ToolResult Seen(ToolCall call, string path) => ToolResult.Success(call, "ok",
        data: System.Collections.Immutable.ImmutableSortedDictionary<string, System.Text.Json.JsonElement>.Empty
            .Add(ToolResult.SeenPathKey, System.Text.Json.JsonSerializer.SerializeToElement(path)));

    [Fact]
    public void SeenFiles_AreTheSuccessfulCallsSeenPaths_NotFailedOnes()
    {
        var (read, write, missing) = (Call("c1"), Call("c2", "write_file"), Call("c3"));

        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0), new ModelResponded(1, Answer("x", read, write, missing), T0),
            new ToolStarting(read, T0), new ToolFinished(Seen(read, "a.txt"), 1, T0),
            new ToolStarting(write, T0), new ToolFinished(Seen(write, "dir/b.txt"), 1, T0),
            new ToolStarting(missing, T0), new ToolFinished(ToolResult.Failure(missing, ErrorCodes.NotFound, "no such file"), 1, T0));

        Assert.Equal(["a.txt", "dir/b.txt"], state.SeenFiles.Order());
    }
}
