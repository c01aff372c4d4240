using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Core.Sessions;

/// <summary>The session's rules, as pure functions: <see cref="Decide"/> turns an input into events,
/// <see cref="NextEffect"/> reads the next step off the state. The actor only persists, applies and acts.</summary>
public static class SessionDecider
{
    public static ImmutableList<ISessionEvent> Decide(SessionState state, ISessionInput input)
    {
        if (input is Start start)
            return state.Status == SessionStatus.NotStarted ? StartEvents(start) : [];
        if (input is Fork fork)
            return state.Status == SessionStatus.NotStarted
                ? [new SessionForked(fork.Spec, fork.Workspace, fork.Spec.Fork!.ParentSessionId, fork.Spec.Fork.AtSeq, fork.Parent, fork.Changes, fork.Now, fork.Node)]
                : [];
        if (input is Graded graded)
            return state.IsFinished && !state.IsGraded && state.Spec?.Grader is { } grader
                ? [GradeEvent(grader, graded)]
                : [];
        // A program still running when its session stopped (max_turns, a budget, cancel) is stopped too: its end is journaled.
        if (input is AgentEnded e)
            return state.IsAgent && state.Status != SessionStatus.NotStarted && state.AgentExit is null
                ?
                [
                    .. e.Diverged is { } d ? [new ReplayDiverged(d.Kept, d.What, e.Now)] : (ISessionEvent[])[],
                    .. e.Changes.Select(c => new FileChanged(AgentExitChanges, c, e.Now)),
                    new AgentExited(e.ExitCode, e.TimedOut, e.StderrTail, e.Now),
                ]
                : [];
        if (state.Status != SessionStatus.Running) return [];

        return input switch
        {
            ModelAttemptStarting s when s.Turn == state.Turns + 1 => [RequestStarted(TurnEndpoint(state), s)],
            ModelAttemptFailed f when f.Turn == state.InFlightTurn => AttemptFailedEvents(state, f),
            ModelResponded r when r.Turn == state.InFlightTurn =>
            [
                ResponseReceived(state, r),
                new MessageAppended(r.Response.Assistant, r.Now, state.AgentTurnThread),
                new UsageUpdated(state.Usage.Add(r.Response.Usage), state.CostUsd + r.CostUsd, r.Now),
            ],
            ToolStarting t when state.UnansweredToolCalls().Any(c => c.Id == t.Call.Id) =>
                [new ToolCallStarted(t.Call.Id, t.Call.Name, Arguments: null, t.Now)],
            ConfirmationNeeded c when state.UnansweredToolCalls().Any(u => u.Id == c.Call.Id) && !state.Confirmations.ContainsKey(c.Call.Id) =>
                [new ConfirmationRequested(c.Call.Id, c.Call.Name, Arguments: null, c.Now)],
            ConfirmationAnswered a when state.Confirmations.TryGetValue(a.ToolCallId, out var pending) && pending is null => AnsweredEvents(state, a),
            ToolFinished f when state.RunningToolCalls.Contains(f.Result.ToolCallId) =>
            [
                new ToolCallCompleted(f.Result, f.DurationMs, f.Now),
                .. (f.Changes ?? []).Select(c => new FileChanged(f.Result.ToolCallId, c, f.Now)),
                new MessageAppended(Message.ToolMessage(f.Result), f.Now),
            ],
            AgentRequested a when state.IsAgent && state.AgentTurnThread is null && state.InFlightTurn is null && state.AgentExit is null =>
                AgentRequestEvents(state, a),
            AgentRequestInvalid i when state.IsAgent => [new AgentRequestRejected(i.Error, i.Param, i.Now)],
            Resume r => ResumeEvents(state, r),
            SpecUpdated u => SpecUpdatedEvents(state, u),
            ModelAttemptAborted a when a.Turn == state.InFlightTurn => AbortedEvents(state, a),
            Finish f => [new SessionCompleted(f.StopReason, f.Now)],
            Stop s => StopEvents(state, s),
            CheckBudget c => state.BudgetExhausted(c.Now) is { } why ? StopEvents(state, new Stop(StopReasons.Budget, why, c.Now)) : [],
            Fail f => [new SessionFailed(f.Error, f.Now)],
            // A late answer to a call we no longer wait for (e.g. from before a restart) changes nothing.
            _ => [],
        };
    }

    /// <summary>The events of <paramref name="input"/> followed by those that start the step after it (a model request,
    /// a tool call, a confirmation request, the end), to be journaled in one atomic write; and the effect to carry out
    /// once they are stored. A step's start is journaled before its work begins, so the resume rules hold; one write per
    /// step instead of two halves the journal round trips. An input that changes nothing gives no events.</summary>
    public static (ImmutableList<ISessionEvent> Events, SessionEffect Next) Step(SessionState state, ISessionInput input, DateTimeOffset now)
    {
        var events = Decide(state, input);
        if (events.IsEmpty) return ([], SessionEffect.Nothing);
        var after = events.Aggregate(state, (s, e) => s.Apply(e));
        // An aborted attempt's next attempt is journaled with it: the provider only has to send it.
        if (input is ModelAttemptAborted && after.InFlightTurn is { } turn) return (events, new SessionEffect.CallModel(turn, after.InFlightAttempts));
        // So is the attempt after a compaction the server's refusal called for.
        if (input is ModelAttemptFailed && events.OfType<ContextCompacted>().Any() && after.InFlightTurn is { } refused)
            return (events, new SessionEffect.CallModel(refused, after.InFlightAttempts));
        var (start, next) = StartNext(after, now);
        return (events.AddRange(start), next);
    }

    /// <summary>The events that start what comes after <paramref name="state"/>, and its effect. Completing is journaled
    /// and followed through to the finished state (whose effect is <see cref="SessionEffect.Nothing"/>).</summary>
    public static (ImmutableList<ISessionEvent> Events, SessionEffect Next) StartNext(SessionState state, DateTimeOffset now)
    {
        var effect = NextEffect(state);
        // A budget is checked before anything new starts: a model call, a tool call, a confirmation.
        if (effect is SessionEffect.CallModel or SessionEffect.RunTool or SessionEffect.Confirm && state.BudgetExhausted(now) is { } why)
            return (Decide(state, new Stop(StopReasons.Budget, why, now)), SessionEffect.Nothing);
        if (effect is SessionEffect.CallModel && Staleness(state) is { } stale)
            return (Decide(state, new Stop(StopReasons.Stale, stale, now)), SessionEffect.Nothing);
        // Room is made in the context window before a request that would pass its trigger, in the same write as the request.
        if (effect is SessionEffect.CallModel && Context.ContextPolicy.Compaction(state, now) is { } compaction)
        {
            var (rest, then) = StartNext(state.Apply(compaction), now);
            return ([compaction, .. rest], then);
        }
        ISessionInput? start = effect switch
        {
            SessionEffect.CallModel call => new ModelAttemptStarting(call.Turn, 1, now),
            SessionEffect.RunTool run => new ToolStarting(run.Call, now),
            SessionEffect.Confirm confirm => new ConfirmationNeeded(confirm.Call, now),
            SessionEffect.Complete complete => new Finish(complete.StopReason, now),
            _ => null, // waiting for a child, a confirmation or an answer, or finished: nothing to start
        };
        if (start is null) return ([], effect);
        var events = Decide(state, start);
        if (effect is not SessionEffect.Complete) return (events, effect);
        var (after, next) = StartNext(events.Aggregate(state, (s, e) => s.Apply(e)), now);
        return (events.AddRange(after), next);
    }

    public static SessionEffect NextEffect(SessionState state)
    {
        if (state.Status != SessionStatus.Running) return SessionEffect.Nothing;
        if (state.InFlightTurn is not null) return SessionEffect.Waiting;
        // The agent program runs the tools its model asks for: the session waits for its next request or its end.
        if (state.IsAgent)
            return state.AgentTurnThread is not null ? new SessionEffect.CallModel(state.Turns + 1)
                : state.AgentExit is { } exit ? new SessionEffect.Complete(exit.TimedOut ? StopReasons.AgentTimeout : StopReasons.AgentExit)
                : SessionEffect.Waiting; // for the agent's next request


        var unanswered = state.UnansweredToolCalls();
        if (unanswered.Count > 0)
        {
            var next = unanswered[0];
            if (state.RunningToolCalls.Contains(next.Id)) return SessionEffect.Waiting;
            if (state.Spec!.NeedsConfirmation(next.Name))
            {
                if (!state.Confirmations.TryGetValue(next.Id, out var approved)) return new SessionEffect.Confirm(next);
                if (approved is null) return SessionEffect.Waiting;
            }
            return new SessionEffect.RunTool(next);
        }

        var last = state.Messages.LastOrDefault();
        if (last is { Role: Roles.Assistant })
            return new SessionEffect.Complete(state.LastFinishReason == "length" ? StopReasons.MaxTokens : StopReasons.Done);
        if (state.Turns >= state.Spec!.MaxTurns) return new SessionEffect.Complete(StopReasons.MaxTurns);
        return new SessionEffect.CallModel(state.Turns + 1);
    }

    /// <summary>The request labelled with the policy version it goes out under and how it is sampled, when the fleet
    /// records tokens or has a version.</summary>
    private static ModelRequestStarted RequestStarted(Endpoint endpoint, ModelAttemptStarting s) =>
        endpoint.Sampling is { } sampling
            ? new ModelRequestStarted(s.Turn, s.Attempt, endpoint.RequestApi, endpoint.Model, s.Now, endpoint.PolicyVersion, sampling)
            : new ModelRequestStarted(s.Turn, s.Attempt, endpoint.Api, endpoint.Model, s.Now);

    /// <summary>The endpoint a turn goes to: the session's, with the model an agent named when its task lets it choose.</summary>
    public static Endpoint TurnEndpoint(SessionState state) =>
        state.Spec!.Agent is { ModelFromAgent: true } && state.AgentTurnModel is { Length: > 0 } named
            ? state.Spec.Endpoint with { Model = named }
            : state.Spec.Endpoint;

    /// <summary>With tokens recorded, the answer carries them packed against the previous turn's (or "unavailable"), the
    /// policy version now and the server's fingerprint.</summary>
    private static ModelResponseReceived ResponseReceived(SessionState state, ModelResponded r)
    {
        var response = r.Response;
        var endpoint = state.Spec!.Endpoint;
        if (!endpoint.RecordsTokens && endpoint.PolicyVersion == 0)
            return new ModelResponseReceived(r.Turn, response.ResponseId, response.Usage, response.FinishReason, response.LatencyMs, r.Now);
        var tokens = !endpoint.RecordsTokens ? null
            : response.Tokens is { } output ? Tokens.TurnTokens.From(output, Tokens.TokenChain.Last(state.TokenTurns).AsSpan())
            : Tokens.TurnTokens.Unavailable;
        return new ModelResponseReceived(r.Turn, response.ResponseId, response.Usage, response.FinishReason, response.LatencyMs, r.Now,
            tokens, endpoint.PolicyVersion, response.SystemFingerprint);
    }

    /// <summary>Why the session is too stale to go on (its first turn ran under a policy more than <c>max_staleness</c>
    /// versions behind the fleet's now), or null.</summary>
    public static string? Staleness(SessionState state) =>
        state.Spec?.Endpoint is { MaxStaleness: { } limit } endpoint && state.FirstPolicyVersion is { } first && endpoint.PolicyVersion - first > limit
            ? $"its first turn ran under policy version {first}, {endpoint.PolicyVersion - first} behind the current {endpoint.PolicyVersion} (max_staleness {limit})"
            : null;

    /// <summary>A weight update reached a running session: its settings change now (journaled), and a session it leaves too
    /// stale stops at once, abandoning what is in flight (that answer would be off-policy anyway).</summary>
    private static ImmutableList<ISessionEvent> SpecUpdatedEvents(SessionState state, SpecUpdated u)
    {
        var changes = state.Spec!.SettingsChangesTo(u.Current);
        if (changes.IsEmpty) return [];
        var changed = new SessionSettingsChanged(u.Current, changes, u.Now);
        var after = state.Apply(changed);
        return Staleness(after) is { } stale ? [changed, .. StopEvents(after, new Stop(StopReasons.Stale, stale, u.Now))] : [changed];
    }

    /// <summary>An attempt cut or held back by a weight update is journaled as failed (kind <c>aborted</c>, retried) and sent
    /// again at once, as the next attempt under the session's settings now, unless they make the session stale.</summary>
    private static ImmutableList<ISessionEvent> AbortedEvents(SessionState state, ModelAttemptAborted a)
    {
        var failed = new ModelRequestFailed(a.Turn, a.Attempt, ModelErrorKinds.Aborted, null, null, true, a.Reason, a.Now);
        if (Staleness(state) is { } stale) return [failed, .. StopEvents(state, new Stop(StopReasons.Stale, stale, a.Now))];
        return [failed, RequestStarted(TurnEndpoint(state), new ModelAttemptStarting(a.Turn, a.Attempt + 1, a.Now))];
    }

    /// <summary>A score is a reward; a grader that gave none is journaled as failed, with why, and no reward.</summary>
    private static ISessionEvent GradeEvent(Grading.GraderSpec grader, Graded graded)
    {
        var (reward, details) = grader.Score(graded.ExitCode, graded.Stdout, graded.TimedOut, graded.Failure);
        return reward is { } score
            ? new RewardAssigned(score, grader.Command, details, graded.Now)
            : new GradingFailed(grader.Command, details, graded.Now);
    }

    /// <summary>The tool call id of the workspace changes an agent made before its request of turn <paramref name="turn"/>.</summary>
    public static string AgentTurnChanges(int turn) => $"agent-turn-{turn}";

    /// <summary>The tool call id of the workspace changes an agent made after its last request.</summary>
    public const string AgentExitChanges = "agent-exit";

    /// <summary>An agent's request is its session's next turn: what it changed in the workspace since its previous request,
    /// then the request itself, only what is new in it (<see cref="Agents.AgentThreads.Place"/>).</summary>
    private static ImmutableList<ISessionEvent> AgentRequestEvents(SessionState state, AgentRequested a)
    {
        var turn = state.Turns + 1;
        var diverged = a.Diverged is { } d ? new ReplayDiverged(d.Kept, d.What, a.Now) : null;
        var placed = Agents.AgentThreads.Place((diverged is null ? state : state.Apply(diverged)).Threads, a.Request);
        return
        [
            .. diverged is null ? [] : (ISessionEvent[])[diverged],
            .. a.Changes.Select(c => new FileChanged(AgentTurnChanges(turn), c, a.Now)),
            new AgentRequestReceived(turn, placed.Thread, placed.FromThread, placed.BaseLength, placed.New, placed.Tools, a.Request.Model,
                a.Request.Api, a.Request.Stream, a.Now),
        ];
    }

    private static ImmutableList<ISessionEvent> StartEvents(Start start)
    {
        var events = ImmutableList.CreateBuilder<ISessionEvent>();
        events.Add(new SessionStarted(start.Spec, start.Workspace, start.Now, start.Node));
        if (start.Spec.Agent is not null) return events.ToImmutable(); // the agent program writes its own conversation
        if (!string.IsNullOrEmpty(start.Spec.System))
            events.Add(new MessageAppended(Message.System(start.Spec.System), start.Now));
        events.Add(new MessageAppended(Message.User(start.Spec.Prompt), start.Now));
        return events.ToImmutable();
    }

    /// <summary>An approval is journaled; a refusal also answers the call with E_CONFIRMED_DENY (it never runs).</summary>
    private static ImmutableList<ISessionEvent> AnsweredEvents(SessionState state, ConfirmationAnswered a)
    {
        var resolved = new ConfirmationResolved(a.ToolCallId, a.Approved, a.DecidedBy, a.Now);
        if (a.Approved) return [resolved];
        var call = state.UnansweredToolCalls().Single(c => c.Id == a.ToolCallId);
        var denied = ToolResult.Failure(call, ErrorCodes.ConfirmedDeny, $"'{call.Name}' was not approved ({a.DecidedBy}); it did not run.");
        return [resolved, new ToolCallCompleted(denied, 0, a.Now), new MessageAppended(Message.ToolMessage(denied), a.Now)];
    }

    private static ImmutableList<ISessionEvent> AttemptFailedEvents(SessionState state, ModelAttemptFailed f)
    {
        var failed = new ModelRequestFailed(f.Turn, f.Attempt, f.ErrorKind, f.HttpStatus,
            (long?)f.RetryAfter?.TotalMilliseconds, f.WillRetry, f.Error, f.Now);
        if (f.WillRetry) return [failed];
        // The server found the request too large for its context: make room, and send the turn once more.
        if (Context.ContextPolicy.IsContextLengthError(f.HttpStatus, f.Error) && state.CompactedForTurn != f.Turn
            && Context.ContextPolicy.Compaction(state, f.Now, refused: true) is { } compaction)
            return [failed with { WillRetry = true }, compaction with { ForTurn = f.Turn },
                RequestStarted(TurnEndpoint(state), new ModelAttemptStarting(f.Turn, f.Attempt + 1, f.Now))];
        return [failed, new SessionFailed($"model call for turn {f.Turn} failed after {f.Attempt} attempt(s): {f.Error}", f.Now)];
    }

    /// <summary>Ends the session at once: every call not answered yet (running, waiting for approval, or not started) is
    /// answered E_CANCELLED, so the transcript stays whole; a model request in flight is abandoned.</summary>
    private static ImmutableList<ISessionEvent> StopEvents(SessionState state, Stop stop)
    {
        var events = ImmutableList.CreateBuilder<ISessionEvent>();
        foreach (var call in state.UnansweredToolCalls())
        {
            var result = ToolResult.Failure(call, ErrorCodes.Cancelled,
                $"'{call.Name}' did not {(state.RunningToolCalls.Contains(call.Id) ? "finish" : "run")}: the session stopped ({stop.Detail}).");
            events.Add(new ToolCallCompleted(result, 0, stop.Now));
            events.Add(new MessageAppended(Message.ToolMessage(result), stop.Now));
        }
        events.Add(new SessionCompleted(stop.StopReason, stop.Now, stop.Detail));
        return events.ToImmutable();
    }

    /// <summary>Resume semantics: a request in flight is sent again (Apply clears it); an interrupted idempotent
    /// tool runs again; any other is answered with E_INTERRUPTED (it may have partly run: the environment undoes what it
    /// changed, putting the workspace back as the journal has it). Settings
    /// the fleet changed since reach the session in the same write.</summary>
    private static ImmutableList<ISessionEvent> ResumeEvents(SessionState state, Resume r)
    {
        var interrupted = state.UnansweredToolCalls().Where(c => state.RunningToolCalls.Contains(c.Id)).ToList();
        var rerun = interrupted.Where(c => r.IsIdempotent(c.Name)).Select(c => c.Id).ToImmutableList();
        var events = ImmutableList.CreateBuilder<ISessionEvent>();
        events.Add(new SessionResumed(r.FromSequenceNr, rerun, r.Now, r.Node));
        if (r.Current is { } current && state.Spec!.SettingsChangesTo(current) is { IsEmpty: false } changes)
            events.Add(new SessionSettingsChanged(current, changes, r.Now));
        // A journal that stored session-started but not the messages written with it (a batch cut in two) gets them now.
        if (!state.IsAgent && !state.Messages.Any(m => m.Role == Roles.User))
            events.AddRange(StartEvents(new Start(state.Spec!, state.Workspace!, r.Now)).OfType<MessageAppended>());
        foreach (var call in interrupted.Where(c => !rerun.Contains(c.Id)))
        {
            var result = ToolResult.Failure(call, ErrorCodes.Interrupted,
                $"The session was interrupted while '{call.Name}' ran; whatever it changed in the workspace was undone. Run it again if it is still needed.");
            events.Add(new ToolCallCompleted(result, 0, r.Now));
            events.Add(new MessageAppended(Message.ToolMessage(result), r.Now));
        }
        return events.ToImmutable();
    }
}
