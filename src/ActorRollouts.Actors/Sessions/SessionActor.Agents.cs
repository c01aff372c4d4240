using System.Collections.Immutable;
using ActorRollouts.Actors.Agents;
using ActorRollouts.Core.Agents;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Environments.Agents;
using Akka.Actor;
using Akka.Event;
using static ActorRollouts.Actors.Agents.AgentProtocol;
using static ActorRollouts.Core.Sessions.SessionInputs;

namespace ActorRollouts.Actors.Sessions;

/// <summary>A session driven by its own agent program (<c>agent</c> in the task): the program's requests reach this actor
/// through the gateway, and each becomes a turn decided, journaled and sent by the provider like any other. The answer goes
/// back only once it is journaled. Requests are taken one at a time; a second one waits for the first's answer.</summary>
public sealed partial class SessionActor
{
    private IDisposable? _agentLink;

    /// <summary>The agent program runs: a session that stopped waits for it to end (and journals how) before it is graded or
    /// reports its end.</summary>
    private bool _agentRunning;

    /// <summary>A resumed session's journaled turns, which its restarted program is answered from while it asks the same
    /// (<see cref="AgentReplay"/>); null once it parted from them (or never resumed). <see cref="_replayed"/> of them are done.</summary>
    private ImmutableList<ReplayTurn>? _replay;
    private int _replayed;

    /// <summary>Set on recovery: the program starts again from the session's start, and is replayed to where it was.</summary>
    private bool _replayOnStart;

    /// <summary>How long a program told its session ended (max_turns, a budget) may take to exit by itself before it is killed.</summary>
    private static readonly TimeSpan AgentStopGrace = TimeSpan.FromSeconds(5);

    /// <summary>The gateway request waiting for the turn in progress, and the requests that came in meanwhile.</summary>
    private IActorRef? _agentReplyTo;
    private AgentRequest? _agentRequest;
    private readonly Queue<(AgentTurn Turn, IActorRef ReplyTo)> _agentQueue = new();

    private void AgentCommands()
    {
        Command<AgentTurn>(OnAgentTurn);
        Command<AgentTurnInvalid>(invalid =>
        {
            var (replyTo, refusal) = (Sender, new AgentTurnRefused(400, invalid.Error, Code: invalid.Param is null ? "invalid_request" : "invalid_field", Param: invalid.Param));
            var (events, _) = SessionDecider.Step(_state, new AgentRequestInvalid(invalid.Error, invalid.Param, Now), Now);
            if (events.IsEmpty) replyTo.Tell(refusal);
            else PersistThen(events, () => replyTo.Tell(refusal));
        });
        Command<AgentChangesTracked>(tracked =>
        {
            if (_agentRequest is not { } request) return;
            _agentRequest = null;
            if (Replayed(request, tracked.Changes) is not { } diverged) return;
            var input = new AgentRequested(request, tracked.Changes, Now, diverged.Kept < 0 ? null : diverged);
            // Not taken (the session ended meanwhile): the agent hears why.
            if (SessionDecider.Decide(_state, input).IsEmpty) RefuseAgentTurns();
            else Step(input);
        });
        Command<ReplayLoaded>(loaded =>
        {
            (_replay, _replayed) = (loaded.Turns, 0);
            _log.Info("Session {0}: its agent program starts again and is replayed {1} journaled turns", _sessionId, loaded.Turns.Count);
            LaunchAgent();
        });
        Command<ReplayUnavailable>(failed =>
        {
            _agentRunning = false; // it never started
            Step(new Fail($"the agent session could not be replayed: {failed.Reason}", Now));
        });
        Command<AgentProgramEnded>(ended =>
        {
            _agentRunning = false;
            // A program that exits before it has asked everything the journal holds has parted from it too.
            var diverged = _replay is { } replay && _replayed < replay.Count
                ? new Divergence(_replayed, $"the agent program exited after {_replayed} of the journal's {replay.Count} turns")
                : null;
            _replay = null;
            var input = new AgentEnded(ended.Outcome.ExitCode, ended.Outcome.TimedOut, ended.Outcome.StderrTail, ended.Changes, Now, diverged);
            if (SessionDecider.Decide(_state, input).IsEmpty) Act(SessionEffect.Nothing);
            else Step(input);
        });
    }

    /// <summary>A request is a turn if the session can take one: running, under <c>max_turns</c>, nothing else in progress. At
    /// <c>max_turns</c> the session stops (which stops the program) and the agent is told so.</summary>
    private void OnAgentTurn(AgentTurn turn)
    {
        if (_agentReplyTo is not null)
        {
            _agentQueue.Enqueue((turn, Sender));
            return;
        }
        if (_state.Status != SessionStatus.Running || !_state.IsAgent)
        {
            Sender.Tell(Ended());
            return;
        }
        _agentReplyTo = Sender;
        // The turns that stand count, replayed ones included; abandoned ones do not.
        var turns = _replay is null ? _state.AgentTurns.Count : _replayed;
        if (turns >= _state.Spec!.MaxTurns)
        {
            Step(new Stop(StopReasons.MaxTurns, $"the agent asked for turn {turns + 1}; max_turns is {_state.Spec.MaxTurns}", Now));
            return;
        }
        _agentRequest = turn.Request;
        _environment.Tell(TrackAgentChanges.Instance); // the request's boundary: what the agent changed before it
    }

    /// <summary>Why a session takes no more requests, in the shape the agent's SDK reads.</summary>
    private AgentTurnRefused Ended() =>
        _state.StopReason == StopReasons.MaxTurns
            ? new AgentTurnRefused(400, $"max_turns reached: this session allows {_state.Spec?.MaxTurns} model turns. The session has ended.", Code: "max_turns")
        : _state.Status == SessionStatus.Failed
            ? new AgentTurnRefused(500, $"the session failed: {_state.Error}", "server_error", "session_failed")
        : new AgentTurnRefused(400, $"this session has ended ({_state.StopReason ?? _state.Error ?? _state.Status.ToString()}); it takes no more requests.",
            Code: "session_ended");

    /// <summary>The model answered the agent's turn (journaled by now): the answer goes back, and the next request waiting, if
    /// any, starts.</summary>
    private void AnswerAgent(ModelResponse response, int turn, string model, DateTimeOffset at)
    {
        if (_agentReplyTo is not { } replyTo) return;
        _agentReplyTo = null;
        // By the rule a replay follows (AgentReplay.Answer), from what was journaled: both are the same bytes.
        replyTo.Tell(new AgentTurnAnswered(AgentAnswer.Of(response.ResponseId, turn, model, at, response.Assistant, response.FinishReason, response.Usage)));
        if (_agentQueue.TryDequeue(out var next)) Self.Tell(next.Turn, next.ReplyTo);
    }

    /// <summary>The model a turn goes to, as journaled: the fleet's, or the one the agent named when the task lets it choose.</summary>
    private string AgentModel() => SessionDecider.TurnEndpoint(_state).Model;

    /// <summary>The agent's turn as a model request: its thread's transcript and tools.</summary>
    private ModelRequest AgentModelRequest(int turn)
    {
        var thread = _state.Threads[_state.AgentTurnThread!.Value];
        return new ModelRequest(_services.EndpointFor(SessionDecider.TurnEndpoint(_state)), thread.Messages, thread.Tools, turn, _sessionId);
    }

    /// <summary>While the program replays, a request the journal holds at this point, made after the same workspace changes,
    /// is answered from the journal: no model call, nothing journaled. Returns null when it was; otherwise why the replay
    /// ends (<c>Kept</c> -1: there was none), and the request goes on live.</summary>
    private Divergence? Replayed(AgentRequest request, ImmutableList<FileChange> changes)
    {
        if (_replay is not { } replay) return new Divergence(-1, "");
        if (_replayed < replay.Count)
        {
            var turn = replay[_replayed];
            var why = AgentReplay.Differs(turn, request) ?? AgentReplay.WorkspaceDiffers(turn.Changes, changes);
            if (why is null)
            {
                _replayed++;
                var replyTo = _agentReplyTo!;
                _agentReplyTo = null;
                replyTo.Tell(new AgentTurnAnswered(turn.Answer));
                if (_agentQueue.TryDequeue(out var next)) Self.Tell(next.Turn, next.ReplyTo);
                return null;
            }
            _replay = null;
            _log.Info("Session {0}: the replay parted from the journal at turn {1}: {2}", _sessionId, _replayed + 1, why);
            return new Divergence(_replayed, $"turn {_replayed + 1} of the journal's {replay.Count}: {why}");
        }
        _replay = null;
        return new Divergence(replay.Count, $"the agent went past the journal's {replay.Count} turns, all replayed");
    }

    /// <summary>Reads the session's journal off the mailbox for the turns to replay (a fork's start with its parent's).</summary>
    private void LoadReplay()
    {
        var (system, sessionId) = (Context.System, _sessionId);
        Task.Run(async () => new ReplayLoaded(await ReplaySource.TurnsAsync(new Trace.JournalReader(system), sessionId)))
            .PipeTo(Self, failure: ex => new ReplayUnavailable(ex.Message));
    }

    private sealed record ReplayLoaded(ImmutableList<ReplayTurn> Turns);

    private sealed record ReplayUnavailable(string Reason);

    /// <summary>The session ended: whoever still waits for an answer is told why.</summary>
    private void RefuseAgentTurns(AgentTurnRefused? why = null)
    {
        var refusal = why ?? Ended();
        _agentReplyTo?.Tell(refusal);
        _agentReplyTo = null;
        _agentRequest = null;
        while (_agentQueue.TryDequeue(out var waiting)) waiting.ReplyTo.Tell(refusal);
    }

    /// <summary>Starts the agent program with a fresh key to the gateway (never journaled).</summary>
    private void StartAgent()
    {
        if (_state.Spec?.Agent is null || _state.Status != SessionStatus.Running || _agentRunning) return;
        if (_services.Agents is null)
        {
            Step(new Fail("this process runs no agent gateway, so the task's agent program cannot run", Now));
            return;
        }
        _agentRunning = true;
        if (_replayOnStart) LoadReplay(); // then launched
        else LaunchAgent();
    }

    private void LaunchAgent()
    {
        if (_services.Agents is not { } gateway || _state.Spec?.Agent is not { } agent) return;
        var (token, link) = gateway.Register(_sessionId, Self);
        _agentLink = link;
        _environment.Tell(new StartAgent(new AgentLaunch(agent, _state.Spec.Prompt, gateway.SocketPath, gateway.Url, token)));
    }

    /// <summary>The session stopped: its program gets the grace to exit by itself (a cancel gets none).</summary>
    private void StopAgent()
    {
        if (_agentRunning) _environment.Tell(new StopAgent(_state.StopReason == StopReasons.Cancelled ? TimeSpan.Zero : AgentStopGrace));
    }

    private void StopAgentLink()
    {
        _agentLink?.Dispose();
        _agentLink = null;
    }
}
