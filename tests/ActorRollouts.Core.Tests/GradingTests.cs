using ActorRollouts.Core.Grading;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Tests;

public class GradingTests
{
    [Theory]
    [InlineData("exit", 0, "", false, 1.0)]
    [InlineData("exit", 1, "", false, 0.0)]
    [InlineData("exit", null, "", true, 0.0)]
    [InlineData("stdout", 0, "tests: 3/4\n0.75\n", false, 0.75)]
    [InlineData("stdout", 1, "0.5\n\n", false, 0.5)]
    [InlineData("stdout", 0, "all good\n", false, 0.0)]
    [InlineData("stdout", 0, "NaN\n", false, 0.0)]
    public void Score_ByExitCodeOrLastLineOfStdout(string mode, int? exit, string stdout, bool timedOut, double expected)
    {
        Assert.Equal(expected, new GraderSpec("grade", 5, mode).Score(exit, stdout, timedOut).Reward);
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
