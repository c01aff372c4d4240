using System.Collections.Immutable;
using ActorRollouts.Actors.Agents;
using ActorRollouts.Actors.Environments;
using ActorRollouts.Actors.Providers;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Trajectories;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Workspaces;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using static ActorRollouts.Actors.Environments.EnvironmentProtocol;
using static ActorRollouts.Actors.Providers.ProviderProtocol;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Actors.Sessions;

/// <summary>One rollout, the error kernel of its subtree: it holds the transcript and delegates risky work to its
/// provider and environment children. Its loop is thin: message → <see cref="SessionDecider.Decide"/> → persist →
/// <see cref="SessionState.Apply"/> → <see cref="SessionDecider.NextEffect"/> → tell a child. Its persistence id is
/// the session id, so its journal is its trace, and recovery puts it exactly where it stopped.</summary>
public sealed partial class SessionActor : ReceivePersistentActor, IWithTimers
{
    private const string BudgetTimer = "budget";
    private readonly string _sessionId;
    private readonly SessionServices _services;

    /// <summary>The session as its fleet's settings have it now (null when started without a fleet, as tests do): a
    /// resumed session goes on with the settings its fleet changed since.</summary>
    private readonly Core.Tasks.SessionSpec? _current;

    /// <summary>Set when the session was cancelled while no process ran it: it stops on recovery instead of resuming.</summary>
    private readonly string? _cancelledBecause;

    /// <summary>Set when the fleet launches the session for the first time: its journal is empty, so recovery asks
    /// only for the highest sequence number and skips the snapshot and replay reads (one of each per new session).</summary>
    private readonly bool _firstLaunch;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SessionState _state = SessionState.Empty;
    private ImmutableList<ToolSpec> _toolSpecs = [];
    private IActorRef _provider = ActorRefs.Nobody;
    private IActorRef _environment = ActorRefs.Nobody;
    private bool _environmentUnavailable;
    private long _snapshotAt;
    private readonly SnapshotRetention _snapshots;
    private bool _gradingRequested;

    public override string PersistenceId => _sessionId;

    public override Recovery Recovery => _firstLaunch ? Recovery.None : Recovery.Default;

    public ITimerScheduler Timers { get; set; } = null!;

    public SessionActor(string sessionId, SessionServices services, Core.Tasks.SessionSpec? current = null, string? cancelledBecause = null,
        bool firstLaunch = false)
    {
        _firstLaunch = firstLaunch;
        _sessionId = sessionId;
        _services = services;
        _current = current;
        _snapshots = new SnapshotRetention(services.Settings.SnapshotsKept);
        _cancelledBecause = cancelledBecause;

        Recover<SnapshotOffer>(offer =>
        {
            _state = (SessionState)offer.Snapshot;
            _snapshotAt = offer.Metadata.SequenceNr;
            _snapshots.Recovered(offer.Metadata.SequenceNr);
        });
        Recover<ISessionEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<StartSession>(OnStart);
        Command<ForkLoaded>(loaded =>
        {
            if (_state.Status != SessionStatus.NotStarted) return;
            // A fork of an agent session starts its program from the parent's start and replays it to the branch point.
            _replayOnStart = loaded.Spec.Agent is not null;
            Step(new Fork(loaded.Spec, _services.WorkspaceFor(loaded.Spec), loaded.Parent, loaded.Changes, Now, _services.Node), first: StartChildren);
        });
        Command<ForkUnavailable>(failed =>
        {
            if (_state.Status != SessionStatus.NotStarted) return;
            // Journaled as a session that began and failed at once, with the reason: the fleet goes on.
            var begun = SessionDecider.Decide(_state, new Start(failed.Spec, _services.WorkspaceFor(failed.Spec), Now, _services.Node));
            PersistThen(begun.AddRange(SessionDecider.Decide(begun.Aggregate(_state, (s, e) => s.Apply(e)), new Fail(failed.Reason, Now))),
                () => Act(SessionEffect.Nothing));
        });
        Command<AttemptStarting>(a => Handle(new ModelAttemptStarting(a.Turn, a.Attempt, Now)));
        Command<AttemptAborted>(a => Handle(new ModelAttemptAborted(a.Turn, a.Attempt, a.Reason, Now)));
        Command<UpdateSpec>(OnUpdateSpec);
        Command<AttemptFailed>(f => Handle(new ModelAttemptFailed(f.Turn, f.Attempt, f.ErrorKind, f.HttpStatus, f.RetryAfter, f.WillRetry, f.Error, Now)));
        Command<ModelAnswered>(OnModelAnswered);
        Command<ToolRan>(t => Handle(new ToolFinished(t.Result, t.DurationMs, Now, t.Changes)));
        Command<EnvironmentUnavailable>(e =>
        {
            _environmentUnavailable = true;
            _agentRunning = false; // it never started
            Handle(new Fail($"environment unavailable: {e.Reason}", Now));
        });
        Command<SaveSnapshotSuccess>(OnSnapshotSaved);
        Command<DeleteSnapshotsSuccess>(d => _log.Debug("Session {0}: snapshots up to {1} deleted", _sessionId, d.Criteria.MaxSequenceNr));
        Command<DeleteSnapshotsFailure>(f => _log.Warning("Session {0} could not delete old snapshots: {1}", _sessionId, f.Cause.Message));
        Command<SaveSnapshotFailure>(f => _log.Warning("Session {0} could not save a snapshot: {1}", _sessionId, f.Cause.Message));
        Command<GraderRan>(g => Handle(new Graded(g.ExitCode, g.Stdout, g.TimedOut, Now, g.Failure)));
        Command<ConfirmationProtocol.ConfirmAnswer>(a => Handle(new ConfirmationAnswered(a.ToolCallId, a.Approved, a.DecidedBy, Now)));
        Command<CancelSession>(c => Handle(new Stop(StopReasons.Cancelled, c.Reason, Now)));
        Command<BudgetTick>(_ => Handle(new CheckBudget(Now)));
        AgentCommands();
    }

    // Props from arguments, not from a `() => new SessionActor(…)` expression: Akka evaluates such an expression's
    // arguments by compiling them, once per Props, which cost 0.4 ms of CPU per session (and the same again for each
    // child) on the fleet benchmark.
    public static Props Props(string sessionId, SessionServices services) =>
        Akka.Actor.Props.Create<SessionActor>(sessionId, services, null, null, false);

    /// <summary>A fleet's session: <paramref name="current"/> is its spec as the fleet's settings have it now;
    /// <paramref name="cancelledBecause"/> says why it is to stop as soon as it recovers, if it is; <paramref name="firstLaunch"/>
    /// is true only when the fleet's journal says the session never ran, so its own journal is empty.</summary>
    public static Props Props(Core.Tasks.SessionSpec current, SessionServices services, string? cancelledBecause = null, bool firstLaunch = false) =>
        Akka.Actor.Props.Create<SessionActor>(current.SessionId, services, current, cancelledBecause, firstLaunch);

    private sealed record BudgetTick
    {
        public static readonly BudgetTick Instance = new();
    }

    private DateTimeOffset Now => _services.Time.GetUtcNow();

    /// <summary>A fork's parent is being read; a second start meanwhile does not read it again.</summary>
    private bool _forkLoading;

    /// <summary>The session resumed after a cut call that may have written: its workspace is rebuilt from the journal.</summary>
    private bool _restoreWorkspace;

    /// <summary>The session is the error kernel: a child that fails (or is killed) is restarted, whatever the reason. The
    /// environment answers its interrupted call itself; the provider's in-flight attempt is reported failed by its own
    /// task, so neither leaves the session waiting.</summary>
    protected override SupervisorStrategy SupervisorStrategy() =>
        new OneForOneStrategy(10, TimeSpan.FromMinutes(1), Decider.From(_ => Directive.Restart));

    /// <summary>A session whose journal shows it running was interrupted: it journals <c>session-resumed</c> and goes
    /// on by itself (in-flight work is redone or answered as interrupted, by the decider's rules).</summary>
    private void OnRecovered()
    {
        SnapshotIfDue(); // a long replay is paid once: the next recovery starts from here
        if (_state.Status != SessionStatus.Running) return;
        if (_cancelledBecause is { } why)
        {
            _log.Info("Session {0} was cancelled while interrupted; it stops without resuming", _sessionId);
            Step(new Stop(StopReasons.Cancelled, why, Now)); // nothing is redone: no request, no tool call
            return;
        }
        _log.Info("Session {0} resumes from its journal at sequence {1}", _sessionId, LastSequenceNr);
        // A call that may have changed files was cut: what it changed was never journaled, so the workspace goes back to
        // what the journal says (the model is told the call was interrupted).
        var spec = _state.Spec;
        _restoreWorkspace = _state.UnansweredToolCalls().Any(c => _state.RunningToolCalls.Contains(c.Id) && !ReadsOnly(spec, c.Name));
        // An agent program starts again from the session's start, in the workspace as it was then, and is replayed.
        _replayOnStart = _state.IsAgent;
        // The children start once the resume is journaled: settings the fleet changed since (an endpoint, its gate, a
        // command limit) are then the session's own.
        Step(new Resume(LastSequenceNr, name => RunsAgain(spec, name), Now, _current, _services.Node), first: StartChildren);
    }

    /// <summary>A built-in tool that only reads, or an MCP tool that says it is read-only: a cut call changed nothing.</summary>
    private static bool ReadsOnly(Core.Tasks.SessionSpec? spec, string tool) =>
        ToolCatalog.IsIdempotent(tool) || spec?.McpTool(tool)?.Tool.ReadOnlyHint == true;

    /// <summary>A cut call of this tool may simply run again: a built-in one that only reads, or an MCP tool that says it is
    /// read-only or idempotent. Any other is answered E_INTERRUPTED.</summary>
    private static bool RunsAgain(Core.Tasks.SessionSpec? spec, string tool) =>
        ToolCatalog.IsIdempotent(tool) || spec?.McpTool(tool)?.Tool.RunsAgain == true;

    /// <summary>Reads the parent's journal up to the branch point, off the mailbox: its state then, and its workspace as
    /// changes over the template, contents included.</summary>
    private void LoadFork(Core.Tasks.SessionSpec spec, Core.Tasks.ForkOrigin fork)
    {
        var system = Context.System;
        Task.Run(async () =>
        {
            var events = await new Trace.JournalReader(system).SessionEventsAsync(fork.ParentSessionId);
            var (parent, problem) = ForkPoint.Find(fork.ParentSessionId, events, fork.AtSeq);
            if (parent is null) throw new InvalidOperationException(problem);
            var changes = SessionEvents.WorkspaceChanges(ForkPoint.Prefix(events, fork.AtSeq));
            return new ForkLoaded(spec, parent, new WorkspaceRebuild(null, changes, null).NetChanges());
        }).PipeTo(Self, failure: ex => new ForkUnavailable(spec, $"cannot fork: {ex.Message}"));
    }

    private sealed record ForkLoaded(Core.Tasks.SessionSpec Spec, SessionState Parent, ImmutableList<FileChange> Changes);

    private sealed record ForkUnavailable(Core.Tasks.SessionSpec Spec, string Reason);

    private void OnStart(StartSession start)
    {
        switch (_state.Status)
        {
            case SessionStatus.NotStarted when _cancelledBecause is { } why:
                // Launched once but never begun, and cancelled since: its journal says so, and nothing runs.
                var begun = SessionDecider.Decide(_state, new Start(start.Spec, _services.WorkspaceFor(start.Spec), Now, _services.Node));
                PersistThen(begun.AddRange(SessionDecider.Decide(begun.Aggregate(_state, (s, e) => s.Apply(e)), new Stop(StopReasons.Cancelled, why, Now))),
                    () => Act(SessionEffect.Nothing));
                break;
            case SessionStatus.NotStarted when start.Spec.Fork is { } fork:
                if (!_forkLoading) LoadFork(start.Spec, fork);
                _forkLoading = true;
                break;
            case SessionStatus.NotStarted:
                Step(new Start(start.Spec, _services.WorkspaceFor(start.Spec), Now, _services.Node), first: StartChildren);
                break;
            case SessionStatus.Running:
                break; // already resumed on recovery
            default:
                Advance(); // finished in an earlier run: graded if it still needs to be, then reported
                break;
        }
    }

    private void OnModelAnswered(ModelAnswered answered)
    {
        var (now, model) = (Now, _state.IsAgent ? AgentModel() : "");
        Step(new ModelResponded(answered.Turn, answered.Response, now,
                _services.Settings.Prices.Cost(_state.Spec!.Endpoint.Model, answered.Response.Usage)),
            first: () =>
            {
                AnswerAgent(answered.Response, answered.Turn, model, now);
                Context.System.EventStream.Publish(new SessionProgressed(_sessionId, _state.Turns, answered.Response.Usage));
                if (_state.Spec!.Endpoint.RecordsTokens && answered.Response.Tokens is null)
                    Context.System.EventStream.Publish(new TokensUnavailable(_sessionId, _state.Spec.Endpoint.BaseUrl, _state.Spec.Endpoint.Model));
            });
    }

    private void Handle(ISessionInput input) => Step(input);

    /// <summary>A weight update: the fleet's new settings are journaled as the session's own before it answers, so the
    /// fleet knows every running session goes on under them (and a stale one has stopped).</summary>
    private void OnUpdateSpec(UpdateSpec update)
    {
        var (replyTo, applied) = (Sender, new SpecApplied(_sessionId));
        var (events, next) = SessionDecider.Step(_state, new SpecUpdated(update.Spec, Now), Now);
        if (events.IsEmpty)
        {
            replyTo.Tell(applied);
            return;
        }
        PersistThen(events, () =>
        {
            replyTo.Tell(applied);
            Act(next);
        });
    }

    /// <summary>Journals what the decider makes of <paramref name="input"/> with the start of the step after it, in one
    /// atomic write (<see cref="SessionDecider.Step"/>), then carries that step out. An input that changes nothing
    /// persists and does nothing.</summary>
    private void Step(ISessionInput input, Action? first = null)
    {
        var (events, next) = SessionDecider.Step(_state, input, Now);
        if (events.IsEmpty) return;
        PersistThen(events, () =>
        {
            first?.Invoke();
            Act(next);
        });
    }

    /// <summary>Does what the state says comes next, journaling its start first.</summary>
    private void Advance()
    {
        var (events, next) = SessionDecider.StartNext(_state, Now);
        if (events.IsEmpty) Act(next);
        else PersistThen(events, () => Act(next));
    }

    /// <summary>Carries out a step whose start is journaled: tells the child, or, once the session is finished, has it
    /// graded or reports its end.</summary>
    private void Act(SessionEffect next)
    {
        WatchTheClock();
        if (_state.IsFinished)
        {
            RefuseAgentTurns(); // told before its program is stopped
            StopAgentLink();
            AbandonWorkInFlight();
            StopAgent();
            if (_agentRunning) return; // graded, and reported ended, once its program has ended too
            if (_state.IsSettled) ReportEnded();
            else if (!CanGrade()) Step(new Graded(null, "", false, Now, "the grader could not run: the session's workspace was never prepared"));
            else RequestGrading();
            return;
        }
        switch (next)
        {
            case SessionEffect.CallModel call when _state.IsAgent:
                _provider.Tell(new CallModel(AgentModelRequest(call.Turn), call.Attempt));
                break;
            case SessionEffect.CallModel call:
                _provider.Tell(new CallModel(new ModelRequest(_services.EndpointFor(_state.Spec!.Endpoint), _state.Messages, _toolSpecs, call.Turn, _sessionId,
                    _state.Spec.Endpoint.IsExact ? Core.Tokens.TokenChain.Last(_state.TokenTurns) : []), call.Attempt));
                break;
            case SessionEffect.RunTool run:
                _environment.Tell(new RunTool(run.Call, _state.SeenFiles));
                break;
            case SessionEffect.Confirm confirm:
                RequestConfirmation(confirm.Call);
                break;
        }
    }

    /// <summary>A time budget needs a clock of its own: a model call or a command can run past it without any event.</summary>
    private void WatchTheClock()
    {
        if (_state.Status == SessionStatus.Running && _state.Spec?.Budget?.TimeLeft(_state.RunningAt(Now)) is { } left)
            Timers.StartSingleTimer(BudgetTimer, BudgetTick.Instance, left + TimeSpan.FromMilliseconds(50));
        else
            Timers.Cancel(BudgetTimer);
    }

    /// <summary>A session that stopped early (budget, cancel) leaves nothing running: the provider drops its call, the
    /// environment kills its command. Both stay, for grading.</summary>
    private void AbandonWorkInFlight()
    {
        if (!_provider.IsNobody()) _provider.Tell(ProviderProtocol.CancelCall.Instance);
        if (!_environment.IsNobody()) _environment.Tell(EnvironmentProtocol.CancelInFlight.Instance);
    }

    /// <summary>Persists <paramref name="events"/> in one atomic write, as one journal row (<see cref="CoarseEvents.Row"/>),
    /// applies them, then runs <paramref name="then"/>.</summary>
    private void PersistThen(ImmutableList<ISessionEvent> events, Action then) =>
        Persist(CoarseEvents.Row(events), row =>
        {
            _state = _state.Apply(row);
            SnapshotIfDue();
            then();
        });

    private void OnSnapshotSaved(SaveSnapshotSuccess saved)
    {
        _log.Debug("Session {0} snapshot at {1}", _sessionId, saved.Metadata.SequenceNr);
        if (_snapshots.Saved(saved.Metadata.SequenceNr) is { } olderThanKept)
            DeleteSnapshots(new SnapshotSelectionCriteria(olderThanKept));
    }

    /// <summary>Every <c>snapshot-every</c> rows the state is saved, so recovery replays at most that many.</summary>
    private void SnapshotIfDue()
    {
        if (LastSequenceNr - _snapshotAt < _services.Settings.SnapshotEvery) return;
        _snapshotAt = LastSequenceNr;
        SaveSnapshot(_state);
    }

    /// <summary>The policy answers at once (the answer still goes through the journal); <c>ask</c> waits for a person,
    /// without blocking: the answer arrives as a message.</summary>
    private void RequestConfirmation(ToolCall call)
    {
        var policy = _services.Settings.Environment.ConfirmPolicy;
        if (policy == ConfirmPolicies.Ask && _services.Confirmer is { } confirmer)
            confirmer.Tell(new ConfirmationProtocol.ConfirmRequest(_sessionId, call));
        else
            Self.Tell(new ConfirmationProtocol.ConfirmAnswer(_sessionId, call.Id, policy == ConfirmPolicies.Auto,
                policy == ConfirmPolicies.Ask ? "policy:ask-without-a-terminal(deny)" : $"policy:{policy}"));
    }

    private bool CanGrade() => !_environmentUnavailable && _state.Workspace is not null;

    /// <summary>The task's grader scores the finished session in its workspace, once; the reward is journaled before the
    /// session reports its end.</summary>
    private void RequestGrading()
    {
        if (_gradingRequested) return;
        _gradingRequested = true;
        if (_environment.IsNobody()) StartChildren();
        _environment.Tell(new RunGrader(_state.Spec!.Grader!));
    }

    /// <summary>The session's journal is read for its changes only to rebuild its workspace: gone (and the session has
    /// changed something), or to be put back as the journal has it.</summary>
    private WorkspaceSource WorkspaceSource(Core.Tasks.SessionSpec spec)
    {
        var (system, sessionId) = (Context.System, _sessionId);
        async Task<IReadOnlyList<FileChange>> Journaled() =>
            SessionEvents.WorkspaceChanges((await new Trace.JournalReader(system).SessionEventsAsync(sessionId)).Select(e => e.Event)).ToList();
        var hasChanges = _state.ToolCallsCompleted > 0 || _state.ParentSessionId is not null || _state.IsAgent;
        // A replayed agent's workspace goes back to the session's start: nothing of its own, or what a fork began from.
        async Task<IReadOnlyList<FileChange>> AtStart() => await Agents.ReplaySource.StartChangesAsync(new Trace.JournalReader(system), sessionId);
        return new WorkspaceSource(_services.TemplateFor(spec), spec.WorkspaceTemplate, spec.TemplateHash, _services.Blobs,
            _replayOnStart ? AtStart : Journaled, hasChanges, _restoreWorkspace || _replayOnStart, _services.Shared, spec.Image,
            _services.Settings.Environment.InsecureRegistries);
    }

    private void StartChildren()
    {
        var spec = _state.Spec!;
        // Task files are checked; a test executor may add tools of its own.
        _toolSpecs = [.. ToolCatalog.Specs(spec.Tools.Where(ToolCatalog.IsKnown), _services.Settings.Environment.Options),
            .. (spec.McpServers ?? []).SelectMany(s => (s.Tools ?? []).Select(t => new ToolSpec(s.Offered(t.Name), t.Description ?? "", t.InputSchema)))];
        _provider = Context.ActorOf(ProviderActor.Props(_services.ModelClient, _services.Settings.Provider, _sessionId,
            _services.GateFor(spec.Endpoint), _services.PolicyGate), "provider");
        _environment = Context.ActorOf(
            // Where this process keeps workspaces, not the folder journaled at the start: a session resumed with another data
            // dir or on another cluster node works in (and if need be rebuilds) its workspace there.
            EnvironmentActor.Props(_services.WorkspaceFor(spec), WorkspaceSource(spec), spec.Tools, _services.Settings.Environment, spec.McpServers), "environment");
        StartAgent();
    }

    protected override void PostStop()
    {
        StopAgentLink();
        // Stopped without ending (the process is shutting down, or the fleet relaunches it): no agent request hangs on it.
        if (_agentReplyTo is not null || _agentQueue.Count > 0) RefuseAgentTurns(new AgentProtocol.AgentTurnRefused(503,
            "the session stopped before it could answer (the engine is stopping or relaunching it)", "server_error", "session_stopped"));
        base.PostStop();
    }

    /// <summary>Akka Persistence stops the actor after a failed write (the journal may be unreachable); the parent is told
    /// why first, so it can relaunch the session from what the journal does hold.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new SessionJournalFailed(_sessionId, $"journal write of {CoarseEvents.Describe(@event)} #{sequenceNr} failed: {cause.Message}"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>A rejected write left the state unchanged and nothing would move the session on: stop, like a failure.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new SessionJournalFailed(_sessionId, $"journal rejected {@event.GetType().Name} #{sequenceNr}: {cause.Message}"));
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Stop(Self);
    }

    /// <summary>Tells the parent how the session ended. The parent stops this actor; stopping ourselves could let the
    /// parent see <c>Terminated</c> before this message.</summary>
    private void ReportEnded() =>
        Context.Parent.Tell(new SessionEnded(_sessionId, SessionOutcomes.Of(_state.Status), _state.StopReason, _state.Error,
            SessionFigures.From(_state), Trajectory.From(_state)));
}
