using ActorRollouts.Core.Fleets;
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
}
