using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Core.Sessions;

/// <summary>The state of one session, folded from its events. Immutable; <see cref="Apply"/> is pure and total:
/// no clock, no I/O, and an event that does not fit the state leaves it unchanged instead of throwing.</summary>
public sealed record SessionState : IRolloutSnapshot
{
    public static readonly SessionState Empty = new();

    public SessionSpec? Spec { get; init; }
    public string? Workspace { get; init; }
    public SessionStatus Status { get; init; } = SessionStatus.NotStarted;
    public ImmutableList<Message> Messages { get; init; } = [];

    /// <summary>Model responses received so far; the turn of the next call is <c>Turns + 1</c>.</summary>
    public int Turns { get; init; }

    /// <summary>The turn whose model request went out without a journaled response yet.</summary>
    public int? InFlightTurn { get; init; }

    /// <summary>The API's finish reason of the latest response (<c>length</c> means the output limit cut it).</summary>
    public string? LastFinishReason { get; init; }

    /// <summary>The policy version the in-flight request was sent under (null when none was journaled).</summary>
    public int? InFlightPolicyVersion { get; init; }

    /// <summary>The policy version the session's first answered turn was requested under (null before it has one): how
    /// stale the session is (<c>max_staleness</c>) counts from it.</summary>
    public int? FirstPolicyVersion { get; init; }

    /// <summary>Each answered turn's tokens, when the session records them (<c>--tokens</c>): what samples are built from.
    /// A fork inherits its parent's, so its samples begin with the parent's prefix.</summary>
    public ImmutableList<Tokens.TokenTurn> TokenTurns { get; init; } = [];

    /// <summary>Attempts made for the in-flight turn (for numbering the next one).</summary>
    public int InFlightAttempts { get; init; }

    /// <summary>Files the session has read or written whole (<see cref="ToolResult.SeenPath"/>), workspace-relative: a tool
    /// that requires a read first may change them, also after a resume or a restart of the environment, and in a fork.</summary>
    public ImmutableHashSet<string> SeenFiles { get; init; } = [];

    /// <summary>Tool calls handed to the environment and not completed yet.</summary>
    public ImmutableList<string> RunningToolCalls { get; init; } = [];

    /// <summary>Cumulative tokens and cost, as the last <c>usage-updated</c> event says.</summary>
    /// <summary>Approvals by tool call id: requested (null), approved (true) or refused (false).</summary>
    public ImmutableDictionary<string, bool?> Confirmations { get; init; } = ImmutableDictionary<string, bool?>.Empty;

    public Usage Usage { get; init; } = Usage.Zero;
    public decimal CostUsd { get; init; }
    public int ModelRequests { get; init; }
    public int ToolCallsCompleted { get; init; }
    public int Resumes { get; init; }
    public string? StopReason { get; init; }

    /// <summary>The grader's score, once the session has ended and been graded.</summary>
    public double? Reward { get; init; }

    /// <summary>Why the grader gave no score, when it failed.</summary>
    public string? GradingError { get; init; }

    /// <summary>The grader has run to an outcome: a reward or a journaled failure.</summary>
    public bool IsGraded => Reward is not null || GradingError is not null;
    public string? Error { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Time the session has been running, up to its latest event: the gap between an interruption and the
    /// resume after it does not count.</summary>
    public TimeSpan RunningTime { get; init; }

    /// <summary>When the latest event happened (the running clock's last tick).</summary>
    public DateTimeOffset? LastEventAt { get; init; }

    /// <summary>Set for a fork: the session it branched off and the sequence number it starts after.</summary>
    public string? ParentSessionId { get; init; }

    /// <summary>The cluster member that ran the session last (<c>host:port</c>; null when run by a single process).</summary>
    public string? Node { get; init; }

    public long? ForkedAtSeq { get; init; }

    /// <summary>An agent session's conversations with the model (<see cref="Agents.AgentThread"/>); the first is also
    /// <see cref="Messages"/>, the session's main transcript.</summary>
    public ImmutableList<Agents.AgentThread> Threads { get; init; } = [];

    /// <summary>The agent's turns that stand, in order, with what each changed in its thread: a replay that diverges takes the
    /// abandoned ones back (<see cref="ReplayDiverged"/>).</summary>
    public ImmutableList<Agents.AgentTurnMark> AgentTurns { get; init; } = [];

    /// <summary>The thread whose agent request waits for the model's answer, in an agent session.</summary>
    public int? AgentTurnThread { get; init; }

    /// <summary>The model the waiting agent request named.</summary>
    public string? AgentTurnModel { get; init; }

    /// <summary>How the agent program ended, once it has.</summary>
    public AgentExited? AgentExit { get; init; }

    /// <summary>Tokens the server counted in the last answered request (its prompt and completion), and how many messages of the
    /// transcript that covers: what the next request's size is estimated from (<see cref="Context.ContextPolicy"/>).</summary>
    public int CountedTokens { get; init; }
    public int MessagesCounted { get; init; }

    /// <summary>Tool results a compaction replaced by a stub.</summary>
    public ImmutableHashSet<string> TrimmedToolCalls { get; init; } = [];

    /// <summary>The turn a compaction was made for after the server refused it: it is sent once more, not again after that.</summary>
    public int? CompactedForTurn { get; init; }

    /// <summary>Compactions so far: the transcript's segments are one more.</summary>
    public int Compactions { get; init; }

    /// <summary>An agent session: its own program drives it through the gateway.</summary>
    public bool IsAgent => Spec?.Agent is not null;

    /// <summary>Running time at <paramref name="now"/>, counting the time since the latest event.</summary>
    public TimeSpan RunningAt(DateTimeOffset now) => RunningTime + (LastEventAt is { } last && now > last ? now - last : TimeSpan.Zero);

    /// <summary>Why the budget is used up at <paramref name="now"/>, or null (also without a budget).</summary>
    public string? BudgetExhausted(DateTimeOffset now) => Spec?.Budget?.Exhausted(Usage, CostUsd, RunningAt(now));

    public bool IsFinished => Status is SessionStatus.Completed or SessionStatus.Failed;

    /// <summary>Finished, and graded if the task has a grader: nothing is left to do.</summary>
    /// <summary>A cancelled session is not graded: whoever cancelled it wants no more work done on it.</summary>
    public bool IsSettled => IsFinished && (Spec?.Grader is null || IsGraded || StopReason == StopReasons.Cancelled);

    public SessionState Apply(ISessionEvent @event) =>
        @event is ICoarseEvent coarse ? coarse.Parts().Aggregate(this, (state, part) => state.Apply(part)) : Fold(@event).Tick(@event);

    /// <summary>Advances the running clock to the event; a resume restarts it without counting the interruption.</summary>
    private SessionState Tick(ISessionEvent @event) => Status == SessionStatus.NotStarted
        ? this
        : this with
        {
            RunningTime = @event is SessionResumed or SessionForked || LastEventAt is not { } last || @event.Timestamp <= last
                ? RunningTime
                : RunningTime + (@event.Timestamp - last),
            LastEventAt = @event is SessionResumed or SessionForked || LastEventAt is not { } previous || @event.Timestamp > previous ? @event.Timestamp : previous,
        };

    private SessionState Fold(ISessionEvent @event) => @event switch
    {
        RewardAssigned e when Status != SessionStatus.NotStarted => this with { Reward = e.Reward },
        GradingFailed e when Status != SessionStatus.NotStarted => this with { GradingError = e.Reason },
        SessionStarted e when Status == SessionStatus.NotStarted => this with
        {
            Spec = e.Spec, Workspace = e.Workspace, Status = SessionStatus.Running, StartedAt = e.Timestamp, Node = e.Node,
        },
        // What was in flight at the branch point is the fork's to do again: no call of the parent is waited for.
        SessionForked e when Status == SessionStatus.NotStarted => e.From with
        {
            Spec = e.Spec, Workspace = e.Workspace, Status = SessionStatus.Running, StartedAt = e.Timestamp, LastEventAt = e.Timestamp,
            ParentSessionId = e.ParentSessionId, ForkedAtSeq = e.ForkedAtSeq, Node = e.Node,
            InFlightTurn = null, InFlightAttempts = 0, InFlightPolicyVersion = null, RunningToolCalls = [], Resumes = 0,
            AgentTurnThread = null, AgentTurnModel = null, AgentExit = null, // its program starts again, and is replayed to here
            Confirmations = e.From.Confirmations.Where(c => c.Value is not null).ToImmutableDictionary(), // a question asked is asked again
        },
        _ when Status == SessionStatus.NotStarted => this,
        MessageAppended { Thread: { } thread } e when thread >= 0 && thread < Threads.Count => WithThreads(
            Threads.SetItem(thread, Threads[thread] with { Messages = Threads[thread].Messages.Add(e.Message) })),
        MessageAppended { Thread: null } e => this with { Messages = Messages.Add(e.Message) },
        AgentRequestReceived e => WithThreads(Agents.AgentThreads.Apply(Threads, e.Thread, e.FromThread, e.BaseLength, e.New, e.Tools)) with
        {
            AgentTurnThread = e.Thread, AgentTurnModel = e.Model,
            AgentTurns = AgentTurns.Add(new Agents.AgentTurnMark(e.Turn, e.Thread,
                e.Thread < Threads.Count ? Threads[e.Thread].Messages.Count : -1, e.Thread < Threads.Count && e.Tools is not null ? Threads[e.Thread].Tools : null)),
        },
        ReplayDiverged e => RolledBackTo(e.Kept),
        AgentExited e => this with { AgentExit = e },
        ContextCompacted e => this with
        {
            Messages = Context.ContextPolicy.Apply(Messages, e), CountedTokens = e.TokensAfter, MessagesCounted = Messages.Count,
            TrimmedToolCalls = TrimmedToolCalls.Union(e.Removed.Select(r => r.ToolCallId)), Compactions = Compactions + 1,
            CompactedForTurn = e.ForTurn ?? CompactedForTurn,
        },
        ModelRequestStarted e => this with
        {
            InFlightTurn = e.Turn, InFlightAttempts = e.Attempt, ModelRequests = ModelRequests + 1, InFlightPolicyVersion = e.PolicyVersion,
        },
        ModelRequestFailed => this,
        ModelResponseReceived e when InFlightTurn == e.Turn => this with
        {
            AgentTurnThread = null, AgentTurnModel = null,
            CountedTokens = (int)Math.Min(int.MaxValue, e.Usage.InputTokens + e.Usage.OutputTokens), MessagesCounted = Messages.Count + 1, // with its answer, which follows
            Turns = e.Turn, InFlightTurn = null, InFlightAttempts = 0, LastFinishReason = e.FinishReason, InFlightPolicyVersion = null,
            FirstPolicyVersion = FirstPolicyVersion ?? InFlightPolicyVersion ?? e.PolicyVersion ?? 0,
            TokenTurns = e.Tokens is { } tokens
                ? TokenTurns.Add(new Tokens.TokenTurn(e.Turn, InFlightPolicyVersion ?? e.PolicyVersion ?? 0, e.PolicyVersion ?? InFlightPolicyVersion ?? 0, tokens))
                : TokenTurns,
        },
        ModelResponseReceived => this,
        UsageUpdated e => this with { Usage = e.Total, CostUsd = e.CostUsd },
        ConfirmationRequested e => this with { Confirmations = Confirmations.SetItem(e.ToolCallId, null) },
        ConfirmationResolved e => this with { Confirmations = Confirmations.SetItem(e.ToolCallId, e.Approved) },
        ToolCallStarted e => this with { RunningToolCalls = RunningToolCalls.Remove(e.ToolCallId).Add(e.ToolCallId) },
        ToolCallCompleted e => this with
        {
            RunningToolCalls = RunningToolCalls.Remove(e.Result.ToolCallId),
            ToolCallsCompleted = ToolCallsCompleted + 1,
            SeenFiles = e.Result.SeenPath is { } seen ? SeenFiles.Add(seen) : SeenFiles,
        },
        // After an interruption nothing is in flight any more: the request is sent again and the listed
        // idempotent tools run again; other interrupted tools were answered by events before this one.
        SessionResumed e => this with
        {
            InFlightTurn = null, InFlightAttempts = 0, InFlightPolicyVersion = null, Resumes = Resumes + 1, Node = e.Node,
            AgentTurnThread = null, AgentTurnModel = null, // the agent program starts again and asks again
            RunningToolCalls = RunningToolCalls.RemoveAll(e.RerunToolCallIds.Contains),
            // Nobody will answer a question asked before the interruption: it is asked again.
            Confirmations = Confirmations.RemoveRange(Confirmations.Where(c => c.Value is null).Select(c => c.Key)),
        },
        SessionSettingsChanged e => this with { Spec = e.Spec },
        SessionCompleted e => this with
        {
            Status = SessionStatus.Completed, StopReason = e.StopReason, EndedAt = e.Timestamp, InFlightTurn = null,
        },
        SessionFailed e => this with
        {
            Status = SessionStatus.Failed, Error = e.Error, EndedAt = e.Timestamp, InFlightTurn = null,
        },
        _ => this,
    };

    /// <summary>The agent's history as it stood after its first <paramref name="kept"/> turns: the later turns' messages and
    /// threads taken back, their token samples dropped. Usage and cost stay: those calls were paid for.</summary>
    private SessionState RolledBackTo(int kept)
    {
        if (kept < 0 || kept >= AgentTurns.Count) return this with { AgentTurnThread = null, AgentTurnModel = null };
        var (threads, abandoned) = (Threads, AgentTurns.Skip(kept).ToList());
        foreach (var mark in Enumerable.Reverse(abandoned))
        {
            if (mark.Thread >= threads.Count) continue;
            threads = mark.LengthBefore < 0
                ? threads.RemoveAt(mark.Thread)
                : threads.SetItem(mark.Thread, new Agents.AgentThread(threads[mark.Thread].Messages.Take(mark.LengthBefore).ToImmutableList(),
                    mark.ToolsBefore ?? threads[mark.Thread].Tools));
        }
        var turns = abandoned.Select(m => m.Turn).ToHashSet();
        return WithThreads(threads) with
        {
            Messages = threads.Count > 0 ? threads[0].Messages : [],
            AgentTurns = AgentTurns.Take(kept).ToImmutableList(),
            TokenTurns = TokenTurns.RemoveAll(t => turns.Contains(t.Turn)),
            AgentTurnThread = null, AgentTurnModel = null,
        };
    }

    /// <summary>The agent threads after a change; the first is the main transcript.</summary>
    private SessionState WithThreads(ImmutableList<Agents.AgentThread> threads) =>
        this with { Threads = threads, Messages = threads.Count > 0 ? threads[0].Messages : Messages };

    public static SessionState From(IEnumerable<ISessionEvent> events) =>
        events.Aggregate(Empty, (state, e) => state.Apply(e));

    /// <summary>Tool calls of the latest assistant message that have no tool message answering them yet,
    /// in the order the model made them.</summary>
    public ImmutableList<ToolCall> UnansweredToolCalls()
    {
        var lastAssistant = Messages.FindLastIndex(m => m.Role == Roles.Assistant);
        if (lastAssistant < 0 || !Messages[lastAssistant].HasToolCalls) return [];
        var answered = Messages.Skip(lastAssistant + 1)
            .Where(m => m.Role == Roles.Tool).Select(m => m.ToolCallId).ToHashSet();
        return Messages[lastAssistant].ToolCalls!.Where(c => !answered.Contains(c.Id)).ToImmutableList();
    }
}
