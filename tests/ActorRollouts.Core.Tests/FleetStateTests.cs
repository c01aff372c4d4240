using System.Text.Json;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Fleets.FleetEvents;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

public class FleetStateTests
{
    [Fact]
    public void Unfinished_PutsInterruptedSessionsFirstAndLeavesOutFinished()
    {
        var specs = new[] { "f:a:0", "f:b:0", "f:c:0" }.Select(id => Spec() with { SessionId = id }).ToList();
        var state = FleetState.From([
            new FleetStarted("f", [.. specs], 2, T0),
            new FleetSessionLaunched("f:a:0", T0),
            new FleetSessionLaunched("f:c:0", T0),
            new FleetSessionFinished("f:a:0", SessionOutcomes.Completed, "done", null, T0),
        ]);

        Assert.Equal(["f:c:0", "f:b:0"], state.Unfinished().Select(s => s.SessionId));
        Assert.False(state.IsComplete);
    }

    [Fact]
    public void Apply_FinishedSessions_CountsTheFailedOnesOnceEvenWhenAnOutcomeIsRecordedAgain()
    {
        var specs = new[] { "f:a:0", "f:b:0", "f:c:0" }.Select(id => Spec() with { SessionId = id }).ToList();
        var state = FleetState.From([
            new FleetStarted("f", [.. specs], 2, T0),
            new FleetSessionFinished("f:a:0", SessionOutcomes.Failed, null, "401", T0),
            new FleetSessionFinished("f:b:0", SessionOutcomes.Completed, "done", null, T0),
            new FleetSessionFinished("f:c:0", SessionOutcomes.Failed, null, "crashed", T0),
            new FleetSessionFinished("f:c:0", SessionOutcomes.Failed, null, "crashed again", T0),
        ]);
        Assert.Equal(2, state.FailedCount);

        var corrected = state.Apply(new FleetSessionFinished("f:a:0", SessionOutcomes.Completed, "done", null, T0));
        Assert.Equal(1, corrected.FailedCount);
    }

    [Fact]
    public void ToolTally_CountsToolCallsByToolAndResult_AndSurvivesTheJournalAsAnEqualValue()
    {
        var state = SessionState.Empty with
        {
            Messages =
            [
                Message.User("go"),
                Message.ToolMessage(Ok(Call("c1"))),
                Message.ToolMessage(new ToolResult(false, "read_file", "no such file", "c2", ErrorCode: "E_NOT_FOUND")),
                Message.ToolMessage(Ok(Call("c3", "edit_file"))),
            ],
        };
        var tally = ToolTally.Of(state);
        Assert.Equal(["edit_file", "read_file"], tally.ByTool.Keys);
        Assert.Equal([1, 2], tally.ByTool.Values);
        Assert.Equal(new Dictionary<string, int> { ["E_NOT_FOUND"] = 1, ["ok"] = 2 }, tally.ByResult);

        // Journaled with the session's outcome and read back: equal figures (the dictionaries are compared by content).
        var figures = SessionFigures.From(state);
        var read = JsonSerializer.Deserialize<SessionFigures>(JsonSerializer.Serialize(figures, RolloutJson.Options), RolloutJson.Options);
        Assert.Equal(figures, read);
        Assert.NotEqual(figures, read! with { Tools = ToolTally.Of(SessionState.Empty) });
    }
}
