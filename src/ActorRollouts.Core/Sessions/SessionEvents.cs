using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Core.Sessions;

/// <summary>Marker for everything we journal. Bound in HOCON to our own serializer, which writes stable
/// versioned manifests (never CLR type names).</summary>
public interface IRolloutEvent
{
    DateTimeOffset Timestamp { get; }
}

/// <summary>Marker for snapshots (bound to the same serializer). A snapshot only shortens recovery: the journal keeps
/// every event.</summary>
public interface IRolloutSnapshot;

/// <summary>The events of one session's journal: together they are the session's trace.</summary>
public static class SessionEvents
{
    public interface ISessionEvent : IRolloutEvent;

    /// <summary>The session began: what it was asked, against which endpoint (no secrets), in which workspace.</summary>
    public sealed record SessionStarted(SessionSpec Spec, string Workspace, DateTimeOffset Timestamp, string? Node = null) : ISessionEvent;

    /// <summary>A system, user, assistant or tool message entered the transcript; in an agent session, the transcript of
    /// agent thread <paramref name="Thread"/>.</summary>
    public sealed record MessageAppended(Message Message, DateTimeOffset Timestamp, int? Thread = null) : ISessionEvent;

    /// <summary>An agent program sent a model request through the session's gateway (turn <paramref name="Turn"/>). Only what
    /// is new is journaled: the request is thread <paramref name="Thread"/>'s first <paramref name="BaseLength"/> messages (for
    /// a new thread, those of <paramref name="FromThread"/>, if any) followed by <paramref name="New"/>; <paramref name="Tools"/>
    /// only when they changed. <paramref name="Model"/> is the model the agent named.</summary>
    public sealed record AgentRequestReceived(
        int Turn, int Thread, int? FromThread, int BaseLength, ImmutableList<Message> New, ImmutableList<ToolSpec>? Tools, string? Model,
        string Api, bool Stream, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>A resumed agent session's program, replayed from the journal, parted from it: its request (or its workspace
    /// before it) differed from the journal's at the next turn, it went past the journal, or it exited. The first
    /// <paramref name="Kept"/> turns of the agent's history stand; those after them are abandoned (their threads, token
    /// samples and workspace changes no longer count, though the journal keeps them), and the session goes on live.</summary>
    public sealed record ReplayDiverged(int Kept, string What, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>The session made room in its context window before its next request (<see cref="Context.ContextPolicy"/>):
    /// <paramref name="Strategy"/>, the request's estimated tokens before and after, and the tool results whose text was
    /// replaced by a stub.
    /// <paramref name="ForTurn"/> is set when the server refused that turn's request as too large (<c>context_length_exceeded</c>):
    /// the room was made then, and the turn sent once more.
    public sealed record ContextCompacted(string Strategy, int TokensBefore, int TokensAfter, ImmutableList<TrimmedResult> Removed, DateTimeOffset Timestamp,
        int? ForTurn = null) : ISessionEvent;

    /// <summary>A tool result a compaction removed: its call, its tool, the bytes of text it held.</summary>
    public sealed record TrimmedResult(string ToolCallId, string Tool, int Bytes);

    /// <summary>The gateway refused an agent's request it could not read or forward; the agent got this error.</summary>
    public sealed record AgentRequestRejected(string Error, string? Param, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>The agent program ended: its exit code (null when it was killed), whether its time ran out, and the end of
    /// what it wrote to stderr.</summary>
    public sealed record AgentExited(int? ExitCode, bool TimedOut, string StderrTail, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>An attempt of a model call went out. <paramref name="PolicyVersion"/> and <paramref name="Sampling"/> (how it
    /// was sent) are set when the fleet records tokens or has a policy version.</summary>
    public sealed record ModelRequestStarted(
        int Turn, int Attempt, string Api, string Model, DateTimeOffset Timestamp, int? PolicyVersion = null, RequestSampling? Sampling = null) : ISessionEvent;

    /// <summary>An attempt failed. <paramref name="WillRetry"/> says whether the provider tries again.</summary>
    public sealed record ModelRequestFailed(
        int Turn, int Attempt, string ErrorKind, int? HttpStatus, long? RetryAfterMs, bool WillRetry, string Error,
        DateTimeOffset Timestamp, string? Node = null) : ISessionEvent;

    /// <summary>The model answered; the assistant message follows as its own <see cref="MessageAppended"/>. With tokens
    /// recorded: <paramref name="Tokens"/> (packed; <c>"unavailable"</c> when the server sent none), the policy version when
    /// the answer arrived, and the server's <c>system_fingerprint</c>.</summary>
    public sealed record ModelResponseReceived(
        int Turn, string? ResponseId, Usage Usage, string? FinishReason, long LatencyMs, DateTimeOffset Timestamp,
        Tokens.TurnTokens? Tokens = null, int? PolicyVersion = null, string? SystemFingerprint = null) : ISessionEvent;

    /// <summary>Cumulative token usage and cost of the session after a model response.</summary>
    public sealed record UsageUpdated(Usage Total, decimal CostUsd, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>A tool call that needs an approval is waiting for one. <paramref name="Arguments"/> as in
    /// <see cref="ToolCallStarted"/>.</summary>
    public sealed record ConfirmationRequested(string ToolCallId, string Name, string? Arguments, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>The approval was given or refused; <paramref name="DecidedBy"/> says who (<c>policy:auto</c>,
    /// <c>policy:deny</c>, <c>user</c>).</summary>
    public sealed record ConfirmationResolved(string ToolCallId, bool Approved, string DecidedBy, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>A tool call was handed to the environment. <paramref name="Arguments"/> is null when they are the call's
    /// arguments in the assistant message that asked for it (always, since 2026-11-26): a 20 MB write_file is journaled
    /// once, not twice. The trace shows them (<see cref="Trace.SessionTrace"/>); journals from before carry them here.</summary>
    public sealed record ToolCallStarted(string ToolCallId, string Name, string? Arguments, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>A tool call created, modified or deleted a workspace file (with its diff for text files).</summary>
    public sealed record FileChanged(string ToolCallId, FileChange Change, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>A tool call finished (successfully or not); the tool message follows as its own <see cref="MessageAppended"/>.</summary>
    public sealed record ToolCallCompleted(ToolResult Result, long DurationMs, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>The session recovered from its journal after an interruption and goes on.
    /// <paramref name="RerunToolCallIds"/> are interrupted idempotent calls that will run again.</summary>
    public sealed record SessionResumed(long FromSequenceNr, ImmutableList<string> RerunToolCallIds, DateTimeOffset Timestamp, string? Node = null) : ISessionEvent;

    /// <summary>The session ended normally: <c>done</c> (the model stopped calling tools), a limit (<c>max_turns</c>,
    /// <c>max_tokens</c>, <c>budget</c>) or <c>cancelled</c>; <paramref name="Detail"/> says more where there is more to say
    /// (which budget, who cancelled).</summary>
    public sealed record SessionCompleted(string StopReason, DateTimeOffset Timestamp, string? Detail = null) : ISessionEvent;

    /// <summary>A resume brought settings the fleet changed since this session began (<c>resume --model …</c>): the spec
    /// the session goes on with, and what changed.</summary>
    public sealed record SessionSettingsChanged(SessionSpec Spec, ImmutableList<string> Changes, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>A fork began: the parent's state after <paramref name="ForkedAtSeq"/> (<paramref name="From"/>: transcript,
    /// reasoning items, usage so far), now this session's under <paramref name="Spec"/>, and the parent's workspace at that
    /// point as changes over the template (<paramref name="Changes"/>, contents included), so this journal alone rebuilds it.</summary>
    public sealed record SessionForked(
        SessionSpec Spec, string Workspace, string ParentSessionId, long ForkedAtSeq, SessionState From, ImmutableList<FileChange> Changes,
        DateTimeOffset Timestamp, string? Node = null) : ISessionEvent;

    /// <summary>Every workspace change a session's journal holds, in order: a fork's inherited ones first. An agent's changes in
    /// turns a replay abandoned (<see cref="ReplayDiverged"/>) are left out: the workspace went back to its start and was
    /// made again by the replay.</summary>
    public static IEnumerable<FileChange> WorkspaceChanges(IEnumerable<ISessionEvent> events)
    {
        var changes = new List<(string? By, FileChange Change)>();
        var agentTurns = new List<int>(); // the agent's turns that stand, in order
        foreach (var e in events.SelectMany(CoarseEvents.Expand))
            switch (e)
            {
                case SessionForked f:
                    changes.AddRange(f.Changes.Select(c => ((string?)null, c)));
                    break;
                case FileChanged c:
                    changes.Add((c.ToolCallId, c.Change));
                    break;
                case AgentRequestReceived r:
                    agentTurns.Add(r.Turn);
                    break;
                case ReplayDiverged d:
                    var abandoned = agentTurns.Skip(d.Kept).Select(SessionDecider.AgentTurnChanges).Append(SessionDecider.AgentExitChanges).ToHashSet();
                    changes.RemoveAll(c => c.By is not null && abandoned.Contains(c.By));
                    agentTurns.RemoveRange(Math.Min(d.Kept, agentTurns.Count), Math.Max(0, agentTurns.Count - d.Kept));
                    break;
            }
        return changes.Select(c => c.Change);
    }

    /// <summary>The task's grader scored the finished session.</summary>
    public sealed record RewardAssigned(double Reward, string Grader, string Details, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>The task's grader gave no score: it could not start, crashed, timed out, ran into a limit or printed no
    /// number. No reward is recorded (a 0.0 would be wrong training data).</summary>
    public sealed record GradingFailed(string Grader, string Reason, DateTimeOffset Timestamp) : ISessionEvent;

    /// <summary>The session ended in failure; <paramref name="Error"/> says why in readable words.</summary>
    public sealed record SessionFailed(string Error, DateTimeOffset Timestamp) : ISessionEvent;
}

/// <summary>Stop reasons of completed sessions.</summary>
public static class StopReasons
{
    public const string Done = "done";
    public const string MaxTurns = "max_turns";
    public const string MaxTokens = "max_tokens";
    public const string Budget = "budget";
    public const string Cancelled = "cancelled";

    /// <summary>An agent session's program exited by itself.</summary>
    public const string AgentExit = "agent_exit";

    /// <summary>An agent session's program ran past its <c>timeout_s</c> and was stopped.</summary>
    public const string AgentTimeout = "agent_timeout";

    /// <summary>The policy moved more than the fleet's <c>max_staleness</c> versions past the one the session's first turn
    /// ran under (a served fleet's weight updates).</summary>
    public const string Stale = "stale";
}
