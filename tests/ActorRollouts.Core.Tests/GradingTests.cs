using ActorRollouts.Core.Grading;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Tests;

public class GradingTests
{
    [Theory]
    [InlineData("exit", 0, "", 1.0)]
    [InlineData("exit", 1, "", 0.0)]
    [InlineData("exit", 125, "", 0.0)]
    [InlineData("stdout", 0, "tests: 3/4\n0.75\n", 0.75)]
    [InlineData("stdout", 1, "0.5\n\n", 0.5)]
    public void Score_ByExitCodeOrLastLineOfStdout(string mode, int exit, string stdout, double expected)
    {
        Assert.Equal(expected, new GraderSpec("grade", 5, mode).Score(exit, stdout, timedOut: false).Reward);
    }

    [Theory]
    [InlineData("exit", null, "", true, null, "the grader timed out after 5 s")]
    [InlineData("exit", 127, "", false, null, "the grader could not start (exit code 127: command not found)")]
    [InlineData("exit", 126, "", false, null, "the grader could not start (exit code 126: not executable)")]
    [InlineData("exit", 139, "", false, null, "the grader crashed (killed by signal 11, exit code 139)")]
    [InlineData("stdout", 0, "all good\n", false, null, "the grader printed no number on its last line of stdout ('all good'; exit code 0)")]
    [InlineData("stdout", 0, "NaN\n", false, null, "the grader printed no number on its last line of stdout ('NaN'; exit code 0)")]
    [InlineData("exit", 0, "", false, "its memory limit (2 GiB)", "its memory limit (2 GiB)")]
    public void Score_AGraderThatGaveNoScore_IsNoRewardWithTheReason(string mode, int? exit, string stdout, bool timedOut, string? failure, string reason)
    {
        Assert.Equal((null, reason), new GraderSpec("grade", 5, mode).Score(exit, stdout, timedOut, failure));
    }

    [Fact]
    public void Decide_GraderThatCouldNotStart_JournalsGradingFailedNoRewardAndSettles()
    {
        var spec = Given.Spec() with { Grader = new GraderSpec("pytest -q") };
        var finished = Given.Run(Given.Run(SessionState.Empty, new SessionInputs.Start(spec, "/ws", Given.T0)), new SessionInputs.Finish(StopReasons.Done, Given.T0));

        var events = SessionDecider.Decide(finished, new SessionInputs.Graded(127, "", false, Given.T0));
        var graded = events.Aggregate(finished, (s, e) => s.Apply(e));

        var failed = Assert.IsType<SessionEvents.GradingFailed>(Assert.Single(events));
        Assert.Equal(("pytest -q", "the grader could not start (exit code 127: command not found)"), (failed.Grader, failed.Reason));
        Assert.Null(graded.Reward);
        Assert.True(graded.IsSettled);
        Assert.Empty(SessionDecider.Decide(graded, new SessionInputs.Graded(0, "", false, Given.T0))); // graded once
    }

    [Fact]
    public void Decide_Graded_OnlyOnceAndOnlyAfterTheSessionEnded()
    {
        var spec = Given.Spec() with { Grader = new GraderSpec("test -f done.txt") };
        var running = Given.Run(SessionState.Empty, new SessionInputs.Start(spec, "/ws", Given.T0));
        Assert.Empty(SessionDecider.Decide(running, new SessionInputs.Graded(0, "", false, Given.T0)));

        var finished = Given.Run(running, new SessionInputs.Finish(StopReasons.Done, Given.T0));
        Assert.False(finished.IsSettled);
        var graded = Given.Run(finished, new SessionInputs.Graded(0, "", false, Given.T0));

        Assert.Equal(1.0, graded.Reward);
        Assert.True(graded.IsSettled);
        Assert.Empty(SessionDecider.Decide(graded, new SessionInputs.Graded(1, "", false, Given.T0)));
    }

    [Fact]
    public void TaskFile_Grader_IsParsedAndBadModesNameTheLine()
    {
        var tasks = Tasks.TaskFile.Parse(["""{"id":"a","prompt":"p","grader":{"command":"python grade.py","timeout_s":5,"reward":"stdout"}}"""], "t.jsonl", "/", _ => true);

        Assert.Equal(new GraderSpec("python grade.py", 5, "stdout"), tasks[0].Grader);
        Assert.StartsWith("t.jsonl:1: grader 'reward' must be", Assert.Throws<Tasks.TaskFileException>(() =>
            Tasks.TaskFile.Parse(["""{"id":"a","prompt":"p","grader":{"command":"x","reward":"vibes"}}"""], "t.jsonl", "/", _ => true)).Message);
    }
}
