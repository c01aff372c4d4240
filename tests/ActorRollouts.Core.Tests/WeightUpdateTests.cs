using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Core.Tests;

/// <summary>The session's rules for a served fleet's weight updates: settings changed mid-session, aborted attempts, and
/// staleness.</summary>
public class WeightUpdateTests
{
    private static SessionState Running(int? maxStaleness, int version = 0)
    {
        var spec = Given.Spec() with { Endpoint = Given.Spec().Endpoint with { PolicyVersion = version, MaxStaleness = maxStaleness } };
        return Given.Run(SessionState.Empty, new Start(spec, "/ws", Given.T0), new ModelAttemptStarting(1, 1, Given.T0));
    }

    private static SessionState AnsweredFirstTurn(int? maxStaleness) =>
        Given.Run(Running(maxStaleness), new ModelResponded(1, Given.Answer(null, Given.Call("c1")), Given.T0));

    private static Tasks.SessionSpec At(SessionState state, int version) =>
        state.Spec! with { Endpoint = state.Spec.Endpoint with { PolicyVersion = version } };

    [Fact]
    public void FirstPolicyVersion_IsTheVersionTheFirstAnsweredTurnWasRequestedUnder()
    {
        Assert.Null(Running(maxStaleness: 0).FirstPolicyVersion);
        Assert.Equal(0, AnsweredFirstTurn(maxStaleness: 0).FirstPolicyVersion);
    }

    [Fact]
    public void SpecUpdated_JournalsTheNewSettings_AndASessionNowTooStaleStops()
    {
        var state = AnsweredFirstTurn(maxStaleness: 1);
        var within = SessionDecider.Decide(state, new SpecUpdated(At(state, 1), Given.T0));
        Assert.IsType<SessionSettingsChanged>(Assert.Single(within));

        var beyond = SessionDecider.Decide(state, new SpecUpdated(At(state, 2), Given.T0));
        Assert.IsType<SessionSettingsChanged>(beyond[0]);
        var stopped = beyond.Aggregate(state, (s, e) => s.Apply(e));
        Assert.Equal(StopReasons.Stale, stopped.StopReason);
        Assert.Contains("policy version 0, 2 behind the current 2 (max_staleness 1)", Assert.IsType<SessionCompleted>(beyond[^1]).Detail);
        // The unanswered tool call of the first turn is answered, so the transcript stays whole.
        Assert.Contains(beyond, e => e is ToolCallCompleted { Result.ErrorCode: ErrorCodes.Cancelled });
    }

    [Fact]
    public void ASessionWithoutAnAnsweredTurn_IsNeverStale()
    {
        var state = Running(maxStaleness: 0);
        var events = SessionDecider.Decide(state, new SpecUpdated(At(state, 5), Given.T0));
        Assert.IsType<SessionSettingsChanged>(Assert.Single(events));
    }

    [Fact]
    public void WithoutMaxStaleness_NoVersionGapStopsASession()
    {
        var state = AnsweredFirstTurn(maxStaleness: null);
        Assert.Single(SessionDecider.Decide(state, new SpecUpdated(At(state, 100), Given.T0)));
    }

    [Fact]
    public void AnAbortedAttempt_IsJournaledAsFailed_AndSentAgainAtOnceUnderTheVersionNow()
    {
        var state = Given.Run(Running(maxStaleness: null), new SpecUpdated(At(Running(null), 3), Given.T0));
        var (events, next) = SessionDecider.Step(state, new ModelAttemptAborted(1, 1, "cut by a weight update", Given.T0), Given.T0);

        var failed = Assert.IsType<ModelRequestFailed>(events[0]);
        Assert.Equal((1, ModelErrorKinds.Aborted, true), (failed.Attempt, failed.ErrorKind, failed.WillRetry));
        var again = Assert.IsType<ModelRequestStarted>(events[1]);
        Assert.Equal((1, 2, 3), (again.Turn, again.Attempt, again.PolicyVersion));
        Assert.Equal(new SessionEffect.CallModel(1, 2), next);
    }

    [Fact]
    public void AnAbortedAttempt_OfAStaleSession_StopsIt()
    {
        var state = AnsweredFirstTurn(maxStaleness: 0);
        state = Given.Run(state, new ToolStarting(Given.Call("c1"), Given.T0), new ToolFinished(Given.Ok(Given.Call("c1")), 1, Given.T0),
            new ModelAttemptStarting(2, 1, Given.T0));
        state = state with { Spec = At(state, 1) }; // as the update journaled it, bypassing its own stop
        var (events, next) = SessionDecider.Step(state, new ModelAttemptAborted(2, 1, "cut", Given.T0), Given.T0);
        Assert.IsType<ModelRequestFailed>(events[0]);
        Assert.Equal(StopReasons.Stale, Assert.IsType<SessionCompleted>(events[^1]).StopReason);
        Assert.Equal(SessionEffect.Nothing, next);
    }

    [Fact]
    public void AStaleSession_StopsBeforeItsNextModelRequest()
    {
        var state = Given.Run(AnsweredFirstTurn(maxStaleness: 0), new ToolStarting(Given.Call("c1"), Given.T0));
        state = state with { Spec = At(state, 1) };
        var (events, next) = SessionDecider.Step(state, new ToolFinished(Given.Ok(Given.Call("c1")), 1, Given.T0), Given.T0);
        Assert.DoesNotContain(events, e => e is ModelRequestStarted);
        Assert.Equal(StopReasons.Stale, Assert.IsType<SessionCompleted>(events[^1]).StopReason);
        Assert.Equal(SessionEffect.Nothing, next);
    }

    [Fact]
    public void SessionsAdded_JoinThePlanOnce_AndCountAsQueued()
    {
        var spec = Given.Spec();
        var fleet = FleetState.From([new FleetEvents.FleetStarted("f1", [spec], 1, Given.T0, Open: true)]);
        var added = spec with { SessionId = "f1:t2:0", TaskId = "t2" };
        fleet = fleet.Apply(new FleetEvents.FleetSessionsAdded([added, spec], Given.T0));
        fleet = fleet.Apply(new FleetEvents.FleetSessionsAdded([added], Given.T0));
        Assert.Equal(["f1:t1:0", "f1:t2:0"], fleet.Sessions.Select(s => s.SessionId));
        Assert.True(fleet.Open);
        Assert.Equal(2, fleet.QueuedCount);
        fleet = fleet.Apply(new FleetEvents.FleetSessionLaunched("f1:t1:0", Given.T0));
        Assert.Equal(1, fleet.QueuedCount);
        fleet = fleet.Apply(new FleetEvents.FleetSessionFinished("f1:t2:0", SessionOutcomes.Completed, StopReasons.Cancelled, null, Given.T0));
        Assert.Equal(0, fleet.QueuedCount); // cancelled before it started
    }
}
