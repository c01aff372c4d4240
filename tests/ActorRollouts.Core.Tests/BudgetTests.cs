using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Core.Tests;

/// <summary>A session stops with stop_reason budget once it used its tokens, dollars or running seconds, before anything
/// new starts (or, for time, whenever its clock goes off), answering whatever it had not answered; cancel stops it the
/// same way with cancelled.</summary>
public class BudgetTests
{
    private static SessionState Started(Budget budget) =>
        Given.Run(SessionState.Empty, new Start(Given.Spec(maxTurns: 50) with { Budget = budget }, "/ws", Given.T0));

    /// <summary>One model turn answered with <paramref name="calls"/>, usage 10 in + 5 out, at <paramref name="at"/>.</summary>
    private static SessionState Turn(SessionState state, DateTimeOffset at, decimal cost = 0, params ToolCall[] calls)
    {
        var turn = state.Turns + 1;
        return Given.Run(state, new ModelAttemptStarting(turn, 1, at), new ModelResponded(turn, Given.Answer(null, calls), at, cost));
    }

    /// <summary>Runs <paramref name="call"/> to its result.</summary>
    private static SessionState Ran(SessionState state, ToolCall call) =>
        Given.Run(state, new ToolStarting(call, Given.T0), new ToolFinished(Given.Ok(call), 1, Given.T0));

    [Fact]
    public void TokenBudget_StopsBeforeTheNextStepAndAnswersTheCallsItLeaves()
    {
        var (c0, c1) = (Given.Call("c0"), Given.Call("c1"));
        var under = Ran(Turn(Started(new Budget(Tokens: 30)), Given.T0, 0, c0), c0); // 15 tokens used
        Assert.IsType<SessionEffect.CallModel>(SessionDecider.StartNext(under, Given.T0).Next);

        var at30 = Turn(under, Given.T0, 0, c1);
        var (events, next) = SessionDecider.StartNext(at30, Given.T0);

        Assert.Equal(SessionEffect.Nothing, next); // c1 does not start
        var cancelled = Assert.IsType<ToolCallCompleted>(events[0]).Result;
        Assert.Equal((ErrorCodes.Cancelled, "c1"), (cancelled.ErrorCode, cancelled.ToolCallId));
        Assert.Contains("did not run: the session stopped (token budget of 30 reached (30 used))", cancelled.Content);
        var completed = Assert.IsType<SessionCompleted>(events[^1]);
        Assert.Equal((StopReasons.Budget, "token budget of 30 reached (30 used)"), (completed.StopReason, completed.Detail));
        var after = events.Aggregate(at30, (s, e) => s.Apply(e));
        Assert.Empty(after.UnansweredToolCalls()); // the transcript stays whole for training
        Assert.Equal(StopReasons.Budget, after.StopReason);
    }

    [Fact]
    public void CostBudget_StopsOnceTheDollarsAreSpent()
    {
        var (c0, c1) = (Given.Call("c0"), Given.Call("c1"));
        var under = Ran(Turn(Started(new Budget(CostUsd: 0.01m)), Given.T0, 0.006m, c0), c0);
        Assert.IsType<SessionEffect.CallModel>(SessionDecider.StartNext(under, Given.T0).Next);

        var completed = SessionDecider.StartNext(Turn(under, Given.T0, 0.005m, c1), Given.T0).Events.OfType<SessionCompleted>().Single();

        Assert.Equal((StopReasons.Budget, "cost budget of $0.01 reached ($0.011 spent)"), (completed.StopReason, completed.Detail));
    }

    [Fact]
    public void TimeBudget_CountsRunningTimeOnly_NotTheGapBetweenAKillAndTheResume()
    {
        var state = Given.Run(Started(new Budget(Seconds: 60)), new ModelAttemptStarting(1, 1, Given.T0.AddSeconds(10)));
        // Killed at +10 s; resumed a day later; 40 s of running since.
        var resumed = Given.Run(state, new Resume(3, _ => true, Given.T0.AddDays(1)));

        Assert.Equal(TimeSpan.FromSeconds(50), resumed.RunningAt(Given.T0.AddDays(1).AddSeconds(40)));
        Assert.Null(resumed.BudgetExhausted(Given.T0.AddDays(1).AddSeconds(40)));
        Assert.Equal("time budget of 60 s reached (60 s running)", resumed.BudgetExhausted(Given.T0.AddDays(1).AddSeconds(50)));
    }

    [Fact]
    public void TimeBudget_ClockGoesOffWhileAToolRuns_StopsAndAnswersTheRunningCall()
    {
        var call = Given.Call("c1", "bash", """{"command":"sleep 600"}""");
        var running = Given.Run(Turn(Started(new Budget(Seconds: 5)), Given.T0, 0, call), new ToolStarting(call, Given.T0));

        Assert.Empty(SessionDecider.Decide(running, new CheckBudget(Given.T0.AddSeconds(4)))); // not yet: nothing happens
        var events = SessionDecider.Decide(running, new CheckBudget(Given.T0.AddSeconds(5)));

        Assert.Equal(ErrorCodes.Cancelled, Assert.IsType<ToolCallCompleted>(events[0]).Result.ErrorCode);
        Assert.Contains("did not finish", ((ToolCallCompleted)events[0]).Result.Content);
        Assert.Equal(StopReasons.Budget, Assert.IsType<SessionCompleted>(events[^1]).StopReason);
    }

    [Fact]
    public void Cancel_StopsWithCancelledAndNeedsNoGrading()
    {
        var spec = Given.Spec() with { Grader = new Grading.GraderSpec("pytest") };
        var state = Given.Run(SessionState.Empty, new Start(spec, "/ws", Given.T0), new ModelAttemptStarting(1, 1, Given.T0));

        var cancelled = Given.Run(state, new Stop(StopReasons.Cancelled, "cancelled with the cancel command by ci", Given.T0));

        Assert.Equal((SessionStatus.Completed, StopReasons.Cancelled), (cancelled.Status, cancelled.StopReason));
        Assert.Null(cancelled.InFlightTurn);
        Assert.True(cancelled.IsSettled); // a cancelled session is not graded
        Assert.Empty(SessionDecider.Decide(cancelled, new Stop(StopReasons.Cancelled, "again", Given.T0))); // once
    }

    [Fact]
    public void Budget_TaskFieldsWinFieldByFieldOverTheFleetDefaults()
    {
        Assert.Equal(new Budget(100, 2m, 30), Budget.Merge(new Budget(Tokens: 100), new Budget(5000, 2m, 30)));
        Assert.Null(Budget.Merge(null, null));
    }

    [Theory]
    [InlineData("""{"tokens":1000,"cost_usd":0.5,"seconds":90}""", 1000L, 0.5, 90.0)]
    [InlineData("""{"seconds":1.5}""", null, null, 1.5)]
    public void TaskFile_Budget_IsParsed(string budget, long? tokens, double? cost, double? seconds)
    {
        var task = TaskFile.Parse([$$"""{"id":"a","prompt":"p","budget":{{budget}}}"""], "t.jsonl", "/", _ => true)[0];

        Assert.Equal(new Budget(tokens, (decimal?)cost, seconds), task.Budget);
    }

    [Theory]
    [InlineData("""{"tokens":-1}""", "t.jsonl:1: budget 'tokens' must be a number above 0.")]
    [InlineData("""{"tokens":2.5}""", "t.jsonl:1: budget 'tokens' must be a whole number.")]
    [InlineData("""{"dollars":1}""", "t.jsonl:1: unknown budget field 'dollars' (known: tokens, cost_usd, seconds).")]
    [InlineData("5", "t.jsonl:1: 'budget' must be an object like")]
    public void TaskFile_BadBudget_NamesTheLine(string budget, string message)
    {
        var error = Assert.Throws<TaskFileException>(() => TaskFile.Parse([$$"""{"id":"a","prompt":"p","budget":{{budget}}}"""], "t.jsonl", "/", _ => true));

        Assert.StartsWith(message, error.Message);
    }
}
