using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Trajectories;

/// <summary>One finished session as a training/eval record: a line of the fleet's trajectories file.</summary>
public sealed record Trajectory(
    string SessionId,
    string FleetId,
    string TaskId,
    int Sample,
    string Status,
    string? StopReason,
    string? Error,
    string Model,
    ImmutableList<TrajectoryMessage> Messages,
    Usage Usage,
    decimal CostUsd,
    double? Reward,
    int Turns,
    long DurationMs,
    ImmutableSortedDictionary<string, JsonElement>? Metadata,
    string? GradingError = null,
    string? ParentSessionId = null,
    long? ForkedAtSeq = null,
    ImmutableList<ImmutableList<TrajectoryMessage>>? Threads = null)
{
    /// <summary>Builds the record from a session's folded state. Null when the session never started.</summary>
    public static Trajectory? From(SessionState state)
    {
        if (state.Spec is not { } spec) return null;
        var duration = state is { StartedAt: { } start, EndedAt: { } end } ? (long)(end - start).TotalMilliseconds : 0;
        return new Trajectory(spec.SessionId, spec.FleetId, spec.TaskId, spec.Sample, SessionOutcomes.Of(state.Status),
            state.StopReason, state.Error, spec.Endpoint.Model,
            state.Messages.Select(TrajectoryMessage.From).ToImmutableList(),
            state.Usage, state.CostUsd, state.Reward, state.Turns, duration, spec.Metadata, state.GradingError, state.ParentSessionId, state.ForkedAtSeq,
            // An agent's other conversations (sub-agents, a summariser): each its own transcript; the first is Messages.
            state.Threads.Count > 1 ? [.. state.Threads.Skip(1).Select(t => t.Messages.Select(TrajectoryMessage.From).ToImmutableList())] : null);
    }
}

public sealed record TrajectoryMessage(
    string Role,
    string? Content,
    string? ReasoningContent,
    ImmutableList<ToolCall>? ToolCalls,
    string? ToolCallId,
    TrajectoryToolResult? ToolResult)
{
    public static TrajectoryMessage From(Message m) => new(m.Role, m.Content, m.ReasoningContent, m.ToolCalls, m.ToolCallId,
        m.ToolResult is { } r ? new TrajectoryToolResult(r.Ok, r.ErrorCode, r.Diffs, r.FilesChanged, r.Data) : null);
}

/// <summary>The metadata of a tool message's result (its content is the message's content).</summary>
public sealed record TrajectoryToolResult(
    bool Ok,
    string? ErrorCode,
    ImmutableList<FileDiff>? Diffs,
    ImmutableList<string>? FilesChanged,
    ImmutableSortedDictionary<string, JsonElement>? Data);
