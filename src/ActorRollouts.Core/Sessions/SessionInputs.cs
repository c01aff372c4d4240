using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Core.Sessions;

/// <summary>What can happen to a session, as the decider sees it. The actor stamps the time; the decider
/// turns an input into the events to persist.</summary>
public static class SessionInputs
{
    public interface ISessionInput
    {
        DateTimeOffset Now { get; }
    }

    public sealed record Start(SessionSpec Spec, string Workspace, DateTimeOffset Now, string? Node = null) : ISessionInput;

    /// <summary>Begin as a fork of <paramref name="Parent"/> (its state at <c>Spec.Fork.AtSeq</c>) with the parent's workspace
    /// changes up to there.</summary>
    public sealed record Fork(SessionSpec Spec, string Workspace, SessionState Parent, ImmutableList<FileChange> Changes, DateTimeOffset Now, string? Node = null) : ISessionInput;

    /// <summary>An attempt of the next model call is about to go out.</summary>
    public sealed record ModelAttemptStarting(int Turn, int Attempt, DateTimeOffset Now) : ISessionInput;

    public sealed record ModelAttemptFailed(
        int Turn, int Attempt, string ErrorKind, int? HttpStatus, TimeSpan? RetryAfter, bool WillRetry, string Error,
        DateTimeOffset Now) : ISessionInput;

    /// <summary>The model answered; <paramref name="CostUsd"/> is this call's cost from the price table.</summary>
    public sealed record ModelResponded(int Turn, ModelResponse Response, DateTimeOffset Now, decimal CostUsd = 0) : ISessionInput;

    public sealed record ToolStarting(ToolCall Call, DateTimeOffset Now) : ISessionInput;

    /// <summary>A call that needs an approval is about to ask for one.</summary>
    public sealed record ConfirmationNeeded(ToolCall Call, DateTimeOffset Now) : ISessionInput;

    public sealed record ConfirmationAnswered(string ToolCallId, bool Approved, string DecidedBy, DateTimeOffset Now) : ISessionInput;

    /// <summary>A tool call ended; <paramref name="Changes"/> are the workspace files it changed.</summary>
    public sealed record ToolFinished(ToolResult Result, long DurationMs, DateTimeOffset Now, ImmutableList<FileChange>? Changes = null) : ISessionInput;

    /// <summary>The session was recovered from its journal (after sequence number <paramref name="FromSequenceNr"/>)
    /// and continues. <paramref name="IsIdempotent"/> tells, by tool name, which interrupted tools may simply run again.
    /// <paramref name="Current"/> is the session as the fleet's settings have it now; where it differs from the journaled
    /// one, the session goes on with it.</summary>
    public sealed record Resume(long FromSequenceNr, Func<string, bool> IsIdempotent, DateTimeOffset Now, SessionSpec? Current = null, string? Node = null) : ISessionInput;

    /// <summary>End the session now with <paramref name="StopReason"/> (<c>budget</c>, <c>cancelled</c>): calls that have
    /// not been answered are answered E_CANCELLED, and what was in flight is abandoned.</summary>
    public sealed record Stop(string StopReason, string Detail, DateTimeOffset Now) : ISessionInput;

    /// <summary>A timer of the session's time budget went off: stop if the budget is used up.</summary>
    public sealed record CheckBudget(DateTimeOffset Now) : ISessionInput;

    public sealed record Finish(string StopReason, DateTimeOffset Now) : ISessionInput;

    /// <summary>The grader ran on the finished session's workspace; <paramref name="Failure"/> says why it could not
    /// score at all (could not run, ran into a limit), else null.</summary>
    public sealed record Graded(int? ExitCode, string Stdout, bool TimedOut, DateTimeOffset Now, string? Failure = null) : ISessionInput;

    public sealed record Fail(string Error, DateTimeOffset Now) : ISessionInput;

    /// <summary>The fleet's settings changed while the session runs (a weight update): it goes on as
    /// <paramref name="Current"/> has it from its next request on.</summary>
    public sealed record SpecUpdated(SessionSpec Current, DateTimeOffset Now) : ISessionInput;

    /// <summary>An agent program's model request reached the gateway; <paramref name="Changes"/> are what the agent changed in
    /// the workspace since its previous request (journaled as this turn's).
    /// <paramref name="Diverged"/>: the request ends a replay (its first <c>Kept</c> turns stand, and why it parted).</summary>
    public sealed record AgentRequested(Agents.AgentRequest Request, ImmutableList<FileChange> Changes, DateTimeOffset Now, Divergence? Diverged = null) : ISessionInput;

    /// <summary>Where and why a replay parted from the journal.</summary>
    public sealed record Divergence(int Kept, string What);

    /// <summary>The gateway could not read or forward an agent's request (<paramref name="Param"/>: the field at fault).</summary>
    public sealed record AgentRequestInvalid(string Error, string? Param, DateTimeOffset Now) : ISessionInput;

    /// <summary>The agent program ended (<paramref name="TimedOut"/>: stopped at its <c>timeout_s</c>); <paramref name="Changes"/>
    /// are what it changed since its last request.</summary>
    public sealed record AgentEnded(int? ExitCode, bool TimedOut, string StderrTail, ImmutableList<FileChange> Changes, DateTimeOffset Now,
        Divergence? Diverged = null) : ISessionInput;

    /// <summary>An attempt in flight was cut, or held back unsent, by a weight update: it is sent again under the session's
    /// settings now.</summary>
    public sealed record ModelAttemptAborted(int Turn, int Attempt, string Reason, DateTimeOffset Now) : ISessionInput;
}
