using ActorRollouts.Actors.Agents;
using ActorRollouts.Core.Agents;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Environments.Agents;
using Akka.Actor;
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
            var (replyTo, refusal) = (Sender, new AgentTurnRefused(400, invalid.Error, Code: invalid.Param is null ? "invalid_request" : "invalid_field"));
            var (events, _) = SessionDecider.Step(_state, new AgentRequestInvalid(invalid.Error, invalid.Param, Now), Now);
            if (events.IsEmpty) replyTo.Tell(refusal);
            else PersistThen(events, () => replyTo.Tell(refusal));
        });
        Command<AgentChangesTracked>(tracked =>
        {
            if (_agentRequest is not { } request) return;
            _agentRequest = null;
            var input = new AgentRequested(request, tracked.Changes, Now);
            // Not taken (the session ended meanwhile): the agent hears why.
            if (SessionDecider.Decide(_state, input).IsEmpty) RefuseAgentTurns();
            else Step(input);
        });
        Command<AgentProgramEnded>(ended =>
        {
            _agentRunning = false;
            var input = new AgentEnded(ended.Outcome.ExitCode, ended.Outcome.TimedOut, ended.Outcome.StderrTail, ended.Changes, Now);
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
        if (_state.Turns >= _state.Spec!.MaxTurns)
        {
            Step(new Stop(StopReasons.MaxTurns, $"the agent asked for turn {_state.Turns + 1}; max_turns is {_state.Spec.MaxTurns}", Now));
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
    private void AnswerAgent(ModelResponse response, int turn, DateTimeOffset at)
    {
        if (_agentReplyTo is not { } replyTo) return;
        _agentReplyTo = null;
        replyTo.Tell(new AgentTurnAnswered(new AgentAnswer(response.ResponseId ?? $"chatcmpl-{turn}", AgentModel(), at.ToUnixTimeSeconds(),
            response.Assistant, response.FinishReason, response.Usage)));
        if (_agentQueue.TryDequeue(out var next)) Self.Tell(next.Turn, next.ReplyTo);
    }

    /// <summary>The model a turn goes to: the fleet's, or the one the agent named when the task lets it choose.</summary>
    private string AgentModel() =>
        _state.Spec!.Agent!.ModelFromAgent && _state.AgentTurnModel is { Length: > 0 } named ? named : _services.EndpointFor(_state.Spec.Endpoint).Model;

    /// <summary>The agent's turn as a model request: its thread's transcript and tools.</summary>
    private ModelRequest AgentModelRequest(int turn)
    {
        var thread = _state.Threads[_state.AgentTurnThread!.Value];
        var endpoint = _services.EndpointFor(_state.Spec!.Endpoint) with { Model = AgentModel() };
        return new ModelRequest(endpoint, thread.Messages, thread.Tools, turn, _sessionId);
    }

    /// <summary>The session ended: whoever still waits for an answer is told why.</summary>
    private void RefuseAgentTurns()
    {
        var refusal = Ended();
        _agentReplyTo?.Tell(refusal);
        _agentReplyTo = null;
        _agentRequest = null;
        while (_agentQueue.TryDequeue(out var waiting)) waiting.ReplyTo.Tell(refusal);
    }

    /// <summary>Starts the agent program with a fresh key to the gateway (never journaled).</summary>
    private void StartAgent()
    {
        if (_state.Spec?.Agent is not { } agent || _state.Status != SessionStatus.Running || _agentLink is not null) return;
        if (_services.Agents is not { } gateway)
        {
            Step(new Fail("this process runs no agent gateway, so the task's agent program cannot run", Now));
            return;
        }
        var (token, link) = gateway.Register(_sessionId, Self);
        _agentLink = link;
        _agentRunning = true;
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
