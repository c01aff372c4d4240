using System.Collections.Immutable;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Core.Trajectories;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Akka.Streams;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Actors.Fleets;

/// <summary>One per fleet. Journals the plan and every session's outcome, runs at most <c>concurrency</c> sessions at
/// once and queues the rest. A failing session never takes the fleet down: its failure is recorded as its outcome.
/// Sessions run where its <see cref="ISessionLauncher"/> puts them: as its children, or as sharded entities in a cluster
/// (where the supervisor is itself a sharded entity keyed by fleet id).</summary>
public sealed class RolloutSupervisor : ReceivePersistentActor, IWithTimers
{
    private readonly string _fleetId;
    private readonly FleetServices _services;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ISessionLauncher _launcher;
    private readonly Dictionary<string, SessionLaunch> _running = []; // by session id
    private readonly Dictionary<string, int> _relaunches = [];
    private readonly Dictionary<string, string> _lastTrouble = [];
    private readonly HashSet<string> _coolingDown = [];
    private readonly Queue<string> _relaunchReady = new();
    private readonly HashSet<string> _live = []; // sessions with a live actor that have not finished: "running"
    private Queue<SessionSpec>? _waiting; // not launched yet by this incarnation, in Unfinished() order
    private readonly Dictionary<string, string> _cancelled = []; // session id → why, as the fleet's control journal asked
    private FleetState _state = FleetState.Empty;
    private int _concurrency = 1;
    private IActorRef? _requester;
    private RunFleet? _run;
    private IActorRef? _writer;

    /// <summary>An open (served) fleet's gate, which every model attempt passes (weight updates); null for other fleets.
    /// A child: the gate itself, or in a cluster a stand-in for the fleet's sharded gate.</summary>
    private IActorRef? _policyGate;

    /// <summary>The weight update being applied, if one is.</summary>
    private PolicyUpdateInProgress? _updating;

    /// <summary><see cref="Pending"/>: the running sessions told of it that have not answered yet (once <see cref="Journaled"/>).</summary>
    private sealed record PolicyUpdateInProgress(UpdatePolicy Request, IActorRef ReplyTo, HashSet<string> Pending)
    {
        public bool Journaled { get; set; }
        public int Told { get; set; }
    }

    public override string PersistenceId => FleetEvents.PersistenceId(_fleetId);

    public ITimerScheduler Timers { get; set; } = null!;

    public RolloutSupervisor(string fleetId, FleetServices services)
    {
        _fleetId = fleetId;
        _services = services;
        _launcher = services.Launcher ?? new LocalSessionLauncher(services.Sessions);

        Recover<IFleetEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<RunFleet>(OnRunFleet);
        Command<PlanLoaded>(loaded =>
        {
            _planLoading = false;
            _run = null; // the loaded run is the first this fleet really runs
            OnRunFleet(loaded.Run);
        });
        Command<PlanUnavailable>(failed =>
        {
            _planLoading = false;
            _log.Error("Fleet {0} cannot start: {1}", _fleetId, failed.Reason);
            Sender.Tell(new FleetRejected(_fleetId, $"the fleet cannot start: {failed.Reason}"));
        });
        Command<CancelSession>(OnCancel);
        Command<AddSessions>(OnAddSessions);
        Command<AddedUnreadable>(failed => Sender.Tell(new FleetRejected(_fleetId, $"cannot read the sessions to add: {failed.Reason}")));
        Command<UpdatePolicy>(OnUpdatePolicy);
        Command<Providers.PolicyGate.ReadyToApply>(_ => ApplyPolicy());
        Command<SpecApplied>(applied => PolicyReached(applied.SessionId));
        Command<GetStatus>(_ => Sender.Tell(Status()));
        Command<FindSession>(find => Sender.Tell(new SessionKnown(find.SessionId, _state.SessionIds.Contains(find.SessionId), _state.Finished.ContainsKey(find.SessionId))));
        Command<Providers.PolicyGate.CountInFlight>(count =>
        {
            if (PolicyGate is { } gate) gate.Forward(count);
            else Sender.Tell(new Providers.PolicyGate.InFlight(0, 0, null, ImmutableSortedDictionary<int, int>.Empty));
        });
        Command<SessionEnded>(OnSessionEnded);
        Command<Terminated>(t => OnSessionStopped(LocalSessionLauncher.SessionIdOf(t.ActorRef), null)); // ignores what is not running
        Command<SessionStopped>(s => OnSessionStopped(s.SessionId, s.Reason));
        Command<RefreshSessions>(_ =>
        {
            OpenPolicyGate(); // a sharded gate restarted on another node learns the version again
            foreach (var launch in _running.Values)
                _launcher.Launch(Context, launch with { FirstLaunch = false, CancelledBecause = _cancelled.GetValueOrDefault(launch.SessionId) ?? launch.CancelledBecause });
        });
        Command<SessionJournalFailed>(f => _lastTrouble[f.SessionId] = f.Reason);
        Command<CooledDown>(c =>
        {
            _coolingDown.Remove(c.SessionId);
            _relaunchReady.Enqueue(c.SessionId);
            LaunchWhatFits();
        });
    }

    public static Props Props(string fleetId, FleetServices services) =>
        Akka.Actor.Props.Create(() => new RolloutSupervisor(fleetId, services));

    /// <summary>A session that throws is restarted a few times; after that it is stopped, and <see cref="OnSessionStopped"/>
    /// relaunches it or records it as failed.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => SessionSupervision.Strategy(_services.Sessions.Settings);

    /// <summary>A sharded fleet restarted on another node (its node was lost) continues by itself: nobody may be left to
    /// ask it. A local fleet waits for <see cref="RunFleet"/>.</summary>
    private void OnRecovered()
    {
        if (_launcher.Sharded && _state.IsPlanned && !_state.IsComplete)
            Self.Tell(new RunFleet(_state.Sessions, _state.Concurrency, _state.Settings));
    }

    private DateTimeOffset Now => _services.Sessions.Time.GetUtcNow();

    /// <summary>If the supervisor itself crashes, its restart stops the sessions; handing itself the same run again
    /// makes the new incarnation recover the fleet from its journal and relaunch what is unfinished.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_run is not null) Self.Tell(_run, _requester ?? ActorRefs.NoSender);
        base.PreRestart(reason, message);
    }

    private void OnRunFleet(RunFleet run)
    {
        if (!Sender.Equals(Context.System.DeadLetters)) _requester = Sender; // a sharded fleet's own restart keeps its requester
        var again = _run is not null;
        _run = run;
        if (_launcher.Sharded && !_followingControl)
        {
            // Once per incarnation (a plan loaded from the database comes back through here as a first run).
            _followingControl = true;
            _log.Info("Fleet {0} is supervised on this node", _fleetId);
            FollowControl();
        }
        if (_launcher.RefreshInterval is { } every && !again)
            Timers.StartPeriodicTimer("refresh-sessions", RefreshSessions.Instance, every);
        _concurrency = Math.Max(1, run.Concurrency);
        if (_services.TrajectoriesPath is { } path && _writer is null)
            _writer = Context.ActorOf(TrajectoryWriter.Props(path), "trajectories");

        if (_state.IsPlanned)
        {
            // An open (served) fleet's settings change only by weight updates: a submitter re-sending the run it started the
            // fleet with (serve --seeds does, every few seconds) must not undo one.
            if (_state.Open) run = run with { Settings = null };
            if (again && (run.Settings is null || _state.Settings?.ChangesTo(run.Settings).IsEmpty == true))
            {
                // A submitter attaching again (it re-sends its run until the fleet ends): it now hears the progress.
                OpenPolicyGate();
                PublishProgress();
                ReportIfComplete();
                return;
            }
            _log.Info("Fleet {0} continues: {1} of {2} sessions finished", _fleetId, _state.Finished.Count, _state.Sessions.Count);
            var changes = run.Settings is not { } settings ? []
                : _state.Settings?.ChangesTo(settings) ?? ["settings journaled (the fleet was started before settings were)"];
            if (!changes.IsEmpty)
            {
                // Journaled before any session launches, so every session of this run goes on under the new settings.
                Persist(new FleetSettingsChanged(run.Settings!, changes, Now), e =>
                {
                    _state = _state.Apply(e);
                    OpenPolicyGate();
                    _log.Info("Fleet {0} settings changed: {1}", _fleetId, string.Join("; ", changes));
                    LaunchWhatFits();
                });
                return;
            }
            OpenPolicyGate();
            LaunchWhatFits();
            return;
        }
        if (run.Sessions.IsEmpty && run.PlanKey is { } key)
        {
            LoadPlan(run, key);
            return;
        }
        if (run.Sessions.IsEmpty)
        {
            Sender.Tell(new FleetRejected(_fleetId, "the fleet has no sessions"));
            return;
        }
        Persist(new FleetStarted(_fleetId, run.Sessions, _concurrency, Now, run.Settings, run.Open ? true : null), e =>
        {
            _state = _state.Apply(e);
            OpenPolicyGate();
            LaunchWhatFits();
        });
    }

    /// <summary>A sharded fleet follows its control journal (<c>cancel</c>) itself, for as long as it runs: whether or not a
    /// submitter is attached. A local fleet's process does it (<c>FleetRun</c>).</summary>
    private void FollowControl()
    {
        var self = Self;
        new Trace.JournalReader(Context.System).FollowControl(_fleetId, request => self.Tell(new CancelSession(request.SessionId, request.Reason)),
            Context.Materializer());
    }

    /// <summary>Reads a plan the submitter stored in the journal's database, off the mailbox, then runs the fleet with it
    /// as if it had come in the message (the submitter's re-sends meanwhile find it loading).</summary>
    private void LoadPlan(RunFleet run, string key)
    {
        if (_planLoading) return;
        _planLoading = true;
        var (requester, shared) = (Sender, _services.Sessions.Shared);
        Task.Run(() => shared is null
                ? throw new InvalidOperationException("the fleet's plan is in a shared journal's database, and this process has none")
                : Cluster.FleetPlans.Load(shared, key))
            .PipeTo(Self, requester, sessions => new PlanLoaded(run with { Sessions = sessions, PlanKey = null }),
                ex => new PlanUnavailable(ex.GetBaseException().Message));
    }

    private bool _planLoading;

    private bool _followingControl;

    private sealed record PlanLoaded(RunFleet Run);

    private sealed record PlanUnavailable(string Reason);

    private sealed record AddedUnreadable(string Reason);

    /// <summary>Fills free slots: relaunches that cooled down first, then sessions this incarnation has not launched
    /// (interrupted ones first, then plan order). Each call looks only at what it launches, so a fleet of N sessions
    /// costs O(N) in all, not O(N) per launch.</summary>
    private void LaunchWhatFits()
    {
        if (!_state.IsPlanned) return;
        _waiting ??= new Queue<SessionSpec>(_state.Unfinished());
        var slots = _concurrency - _running.Count;
        var launching = ImmutableList.CreateBuilder<SessionSpec>();
        while (launching.Count < slots && _relaunchReady.TryDequeue(out var id))
            if (!_state.Finished.ContainsKey(id)) launching.Add(_state.Sessions.First(s => s.SessionId == id));
        while (launching.Count < slots && _waiting.TryDequeue(out var next))
        {
            if (_state.Finished.ContainsKey(next.SessionId)) continue;
            if (_cancelled.TryGetValue(next.SessionId, out var why) && !_state.Launched.Contains(next.SessionId))
                RecordCancelled(next.SessionId, why); // never started: nothing to stop, nothing to run
            else
                launching.Add(next);
        }
        var toLaunch = launching.ToImmutable();
        if (toLaunch.IsEmpty)
        {
            if (_coolingDown.Count == 0) ReportIfComplete();
            return;
        }
        // Persist (unlike PersistAsync) stashes other messages until the handlers ran, so no slot is counted twice.
        var pending = toLaunch.ToDictionary(s => s.SessionId);
        PersistAll(toLaunch.Select(s => new FleetSessionLaunched(s.SessionId, Now)), e =>
        {
            var firstLaunch = !_state.Launched.Contains(e.SessionId);
            _state = _state.Apply(e);
            Launch(pending[e.SessionId], firstLaunch);
        });
    }

    /// <summary>Starts a session's actor. The launch is journaled before the session can write anything, so a session
    /// the fleet never launched has an empty journal and need not read it (<paramref name="firstLaunch"/>).</summary>
    private void Launch(SessionSpec planned, bool firstLaunch)
    {
        var spec = _state.SpecFor(planned);
        var launch = new SessionLaunch(_fleetId, spec, _state.Settings, _cancelled.GetValueOrDefault(spec.SessionId), firstLaunch, Served: PolicyGate is not null);
        _running[spec.SessionId] = launch;
        _live.Add(spec.SessionId);
        _launcher.Launch(Context, launch);
        PublishProgress();
    }

    /// <summary><c>cancel SESSION_ID</c>: a live session is told to stop; one that never started is recorded as cancelled
    /// and never launched; an interrupted one is launched and stopped (so its own journal says it was cancelled).</summary>
    private void OnCancel(CancelSession cancel)
    {
        if (!_cancelled.TryAdd(cancel.SessionId, cancel.Reason) || _state.Finished.ContainsKey(cancel.SessionId)) return;
        if (_running.ContainsKey(cancel.SessionId)) _launcher.Cancel(Context, cancel);
        else if (_state.IsPlanned && _state.Sessions.Any(s => s.SessionId == cancel.SessionId) && !_state.Launched.Contains(cancel.SessionId))
            RecordCancelled(cancel.SessionId, cancel.Reason);
    }

    private void RecordCancelled(string sessionId, string why)
    {
        _log.Info("Session {0} cancelled before it started: {1}", sessionId, why);
        Record(new FleetSessionFinished(sessionId, SessionOutcomes.Completed, StopReasons.Cancelled, null, Now));
    }

    private void OnSessionEnded(SessionEnded ended)
    {
        _launcher.Release(Context, Sender);
        PolicyReached(ended.SessionId);
        if (ended.StopReason == StopReasons.Stale && _state.Settings?.RestartStale == true && !_state.Finished.ContainsKey(ended.SessionId))
            AddFreshSample(ended.SessionId);
        // A local session's slot frees when its actor terminates; a sharded one passivates itself, and its slot frees now.
        var freed = _launcher.Sharded && _running.Remove(ended.SessionId);
        if (freed) _live.Remove(ended.SessionId);
        if (!_state.Finished.ContainsKey(ended.SessionId))
            Record(new FleetSessionFinished(ended.SessionId, ended.Status, ended.StopReason, ended.Error, Now, ended.Figures), ended.Trajectory);
        if (freed) LaunchWhatFits(); // after Record: Persist runs its handler before the fleet looks at another message
    }

    /// <summary>A session's actor stopped: after its end (a free slot), or unexpectedly (<paramref name="reason"/>, if its
    /// host knows it), when it is relaunched from its journal after a backoff or, too often, recorded as failed.</summary>
    private void OnSessionStopped(string sessionId, string? reason)
    {
        PolicyReached(sessionId); // a relaunch resumes under the fleet's settings now
        if (!_running.Remove(sessionId)) return;
        _live.Remove(sessionId);
        if (_state.Finished.ContainsKey(sessionId))
        {
            LaunchWhatFits();
            return;
        }
        var why = reason ?? _lastTrouble.GetValueOrDefault(sessionId, "the session actor stopped unexpectedly (repeated crash; see the log)");
        var relaunches = _relaunches.GetValueOrDefault(sessionId);
        var settings = _services.Sessions.Settings;
        if (relaunches < settings.MaxSessionRelaunches)
        {
            // Relaunch from the journal after a backoff that doubles: what was journaled stays, nothing is repeated twice.
            _relaunches[sessionId] = relaunches + 1;
            var backoff = settings.RelaunchBackoff * Math.Pow(2, relaunches);
            _log.Warning("Session {0} stopped ({1}); relaunching it from its journal in {2} ms (relaunch {3} of {4})",
                sessionId, why, backoff.TotalMilliseconds, relaunches + 1, settings.MaxSessionRelaunches);
            _coolingDown.Add(sessionId);
            Timers.StartSingleTimer($"relaunch-{sessionId}", new CooledDown(sessionId), backoff);
            return;
        }
        _log.Error("Session {0} stopped {1} times; recording it as failed: {2}", sessionId, relaunches + 1, why);
        Record(new FleetSessionFinished(sessionId, SessionOutcomes.Failed, null,
            $"stopped {relaunches + 1} times, relaunched from the journal {relaunches} times; last: {why}", Now));
        LaunchWhatFits();
    }

    private sealed record CooledDown(string SessionId);

    private sealed record RefreshSessions
    {
        public static readonly RefreshSessions Instance = new();
    }

    /// <summary>The trajectory is written once the outcome is journaled: a crash in between leaves a line missing, which
    /// the next <c>resume</c> adds from the journal (<c>TrajectoriesFile.PrepareAsync</c>), never a line for a session the fleet
    /// will run again.</summary>
    private void Record(FleetSessionFinished finished, Trajectory? trajectory = null) =>
        Persist(finished, e =>
        {
            _state = _state.Apply(e);
            if (trajectory is not null) _writer?.Tell(trajectory);
            _live.Remove(e.SessionId);
            PublishProgress();
            ReportIfComplete(); // a session recorded failed after its actor stopped may be the fleet's last
        });

    private void ReportIfComplete()
    {
        if (!_state.IsComplete || _running.Count > 0 || _state.Open) return; // a served fleet waits for more
        var failed = _state.FailedCount;
        _requester?.Tell(new FleetFinished(_fleetId, _state.Sessions.Count, _state.Sessions.Count - failed, failed));
        _requester = null;
        // A finished sharded fleet leaves its node (and is no longer remembered); asked again, it recovers and answers.
        if (_launcher.Sharded) Context.Parent.Tell(new Akka.Cluster.Sharding.Passivate(PoisonPill.Instance));
    }

    /// <summary>Served fleets: new sessions join the plan (journaled before the reply) and the queue.</summary>
    private void OnAddSessions(AddSessions add)
    {
        if (add.PlanKey is { } key)
        {
            // Read off the mailbox, then handled as if the sessions had come in the message, for the same asker.
            var shared = _services.Sessions.Shared;
            Task.Run(() => shared is null
                    ? throw new InvalidOperationException("the sessions are in a shared journal's database, and this process has none")
                    : Cluster.FleetPlans.Load(shared, key))
                .PipeTo(Self, Sender, sessions => new AddSessions(sessions), ex => new AddedUnreadable(ex.GetBaseException().Message));
            return;
        }
        if (!_state.IsPlanned || !_state.Open)
        {
            Sender.Tell(new FleetRejected(_fleetId, _state.IsPlanned ? "the fleet was not started by serve: sessions cannot be added to it" : "the fleet has not started"));
            return;
        }
        if (_state.Settings?.MaxQueued is { } max && _state.QueuedCount > max)
        {
            Sender.Tell(new FleetRejected(_fleetId, $"fleet '{_fleetId}' has {_state.QueuedCount} sessions waiting to start, more than its max_queued {max}: try again later.",
                Full: true));
            return;
        }
        var plannedTasks = _state.Sessions.Select(s => s.TaskId).ToHashSet(StringComparer.Ordinal);
        var known = add.Sessions.Select(s => s.TaskId).Where(plannedTasks.Contains).Distinct().ToImmutableList();
        var fresh = add.Sessions.Where(s => !plannedTasks.Contains(s.TaskId) && !_state.SessionIds.Contains(s.SessionId)).DistinctBy(s => s.SessionId).ToImmutableList();
        var replyTo = Sender;
        if (fresh.IsEmpty)
        {
            replyTo.Tell(new SessionsAdded([], known));
            return;
        }
        Persist(new FleetSessionsAdded(fresh, Now), e =>
        {
            Planned(e);
            replyTo.Tell(new SessionsAdded([.. fresh.Select(s => s.SessionId)], known));
        });
    }

    /// <summary>Sessions added to the plan wait their turn behind those already queued.</summary>
    private void Planned(FleetSessionsAdded added)
    {
        var before = _state.SessionIds;
        _state = _state.Apply(added);
        foreach (var spec in added.Sessions.Where(s => !before.Contains(s.SessionId))) _waiting?.Enqueue(spec);
        PublishProgress();
        LaunchWhatFits();
    }

    /// <summary><c>restart_stale</c>: a session that went stale is replaced by a fresh sample of its task (the next sample
    /// number), planned like any other and run under the policy now.</summary>
    private void AddFreshSample(string staleId)
    {
        if (_state.Sessions.FirstOrDefault(s => s.SessionId == staleId) is not { } stale) return;
        var sample = _state.Sessions.Where(s => s.TaskId == stale.TaskId).Max(s => s.Sample) + 1;
        var fresh = stale with { SessionId = SessionSpec.MakeSessionId(_fleetId, stale.TaskId, sample), Sample = sample };
        _log.Info("Session {0} went stale; {1} replaces it (restart_stale)", staleId, fresh.SessionId);
        Persist(new FleetSessionsAdded([fresh], Now, $"a fresh sample of task {stale.TaskId}: {staleId} went stale"), Planned);
    }

    private FleetStatus Status() => new(_fleetId, _state.Open, _state.Sessions.Count, _state.QueuedCount, _live.Count, _state.Finished.Count,
        _state.FailedCount, _state.Concurrency, _state.Settings, _state.DescribeSettingsChanges(), _state.StartedAt, _updating?.Request.Mode);

    /// <summary>An open fleet's policy gate (null for other fleets): started, and opened under the version in force, the first
    /// time it is needed, whichever message comes first after a (re)start.</summary>
    private IActorRef? PolicyGate
    {
        get
        {
            if (!_state.Open) return null;
            if (_policyGate is null)
            {
                _policyGate = Context.ActorOf(_services.PolicyGates is { } region ? Cluster.ShardedGates.Forwarder(region, _fleetId) : Providers.PolicyGate.Props(), "policy");
                OpenPolicyGate();
            }
            return _policyGate;
        }
    }

    /// <summary>Tells the policy gate the version in force, which opens it (unless an update is being applied).</summary>
    private void OpenPolicyGate()
    {
        if (PolicyGate is { } gate && _updating is null) gate.Tell(new Providers.PolicyGate.Applied(_state.Settings?.PolicyVersion ?? 0));
    }

    /// <summary>A weight update starts at the gate: it holds new requests and, in <c>abort</c> mode, cuts those in flight;
    /// it answers <c>ReadyToApply</c> when the change may be journaled (<see cref="ApplyPolicy"/>).</summary>
    private void OnUpdatePolicy(UpdatePolicy update)
    {
        string? refusal = PolicyGate is null ? "weight updates are for fleets started by serve"
            : _updating is not null ? $"a weight update (mode {_updating.Request.Mode}, policy version {_updating.Request.PolicyVersion}) is being applied; try again when it returns"
            : update.PolicyVersion <= (_state.Settings?.PolicyVersion ?? 0) ? $"policy_version must be above the current {_state.Settings?.PolicyVersion ?? 0} (got {update.PolicyVersion})"
            : null;
        if (refusal is not null)
        {
            Sender.Tell(new FleetRejected(_fleetId, refusal, Conflict: true));
            return;
        }
        _updating = new PolicyUpdateInProgress(update, Sender, []);
        _log.Info("Fleet {0}: weight update to policy version {1} (mode {2})", _fleetId, update.PolicyVersion, update.Mode);
        _policyGate!.Tell(new Providers.PolicyGate.Begin(update.Mode));
    }

    /// <summary>Journals the new settings, then tells every running session (each journals them as its own and answers);
    /// sessions launched later get them from the plan.</summary>
    private void ApplyPolicy()
    {
        if (_updating is not { } updating) return;
        var request = updating.Request;
        var settings = _state.Settings!.With(new FleetSettingsChange(Model: request.Model, BaseUrl: request.BaseUrl, PolicyVersion: request.PolicyVersion));
        var changes = _state.Settings.ChangesTo(settings).Add($"weight update, mode {request.Mode}");
        Persist(new FleetSettingsChanged(settings, changes, Now), e =>
        {
            _state = _state.Apply(e);
            foreach (var id in _live)
            {
                updating.Pending.Add(id);
                _launcher.UpdateSpec(Context, new UpdateSpec(_state.SpecFor(_state.Sessions.First(s => s.SessionId == id))));
            }
            (updating.Journaled, updating.Told) = (true, updating.Pending.Count);
            PolicyReached(null);
        });
    }

    /// <summary>A running session has the update (or ended, or stopped: a relaunch resumes under it). Once all have, the
    /// gate opens under the new version and the caller hears.</summary>
    private void PolicyReached(string? sessionId)
    {
        if (_updating is not { Journaled: true } updating) return;
        if (sessionId is not null) updating.Pending.Remove(sessionId);
        if (updating.Pending.Count > 0) return;
        _updating = null;
        _policyGate!.Tell(new Providers.PolicyGate.Applied(updating.Request.PolicyVersion));
        updating.ReplyTo.Tell(new PolicyUpdated(updating.Request.PolicyVersion, updating.Request.Mode,
            _state.SettingsChanges[^1].Changes, updating.Told));
    }

    private void PublishProgress()
    {
        var progress = new FleetProgressed(_fleetId, _state.Sessions.Count, _state.Finished.Count - _state.FailedCount, _state.FailedCount, _live.Count,
            _state.FinishedFigures);
        Context.System.EventStream.Publish(progress);
        if (_launcher.Sharded) _requester?.Tell(progress); // the submitter is another member of the cluster
    }
}
