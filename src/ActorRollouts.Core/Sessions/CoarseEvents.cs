using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Core.Sessions;

/// <summary>An event journaled as one row that stands for several fine-grained events written at the same instant (a
/// model's answer, a tool call's end). The decider, the state and every reader of the trace work on the fine events:
/// <see cref="Parts"/> gives them back exactly, so the trace, trajectories and exports are the same line for line (the
/// parts share the row's sequence number). Why: every journal row costs its serialisation, its place in Akka's write
/// pipeline, an INSERT and ~150 bytes of row and index overhead, whatever it holds.</summary>
public interface ICoarseEvent : ISessionEvent
{
    IEnumerable<ISessionEvent> Parts();
}

/// <summary>The model answered: <c>model-response-received</c>, the assistant message and the session's new usage total
/// in one row.</summary>
public sealed record ModelReplied(
    int Turn, string? ResponseId, Usage Usage, string? FinishReason, long LatencyMs, Message Assistant, Usage Total, decimal CostUsd,
    DateTimeOffset Timestamp, Tokens.TurnTokens? Tokens = null, int? PolicyVersion = null, string? SystemFingerprint = null, int? Thread = null) : ICoarseEvent
{
    public IEnumerable<ISessionEvent> Parts() =>
    [
        new ModelResponseReceived(Turn, ResponseId, Usage, FinishReason, LatencyMs, Timestamp, Tokens, PolicyVersion, SystemFingerprint),
        new MessageAppended(Assistant, Timestamp, Thread),
        new UsageUpdated(Total, CostUsd, Timestamp),
    ];
}

/// <summary>A tool call ended: <c>tool-call-completed</c>, the files it changed and the tool message that answers the
/// model in one row. The tool message is the result itself (<see cref="Message.ToolMessage"/>), so the result's text is
/// stored once.</summary>
public sealed record ToolCallFinished(ToolResult Result, long DurationMs, ImmutableList<FileChange> Changes, DateTimeOffset Timestamp) : ICoarseEvent
{
    public IEnumerable<ISessionEvent> Parts() =>
    [
        new ToolCallCompleted(Result, DurationMs, Timestamp),
        .. Changes.Select(c => new FileChanged(Result.ToolCallId, c, Timestamp)),
        new MessageAppended(Message.ToolMessage(Result), Timestamp),
    ];
}

/// <summary>The events of one atomic write (a step's end and the next step's start, a session's start, a resume) as one
/// journal row: what Akka writes atomically anyway, at the cost of one row instead of several. <see cref="Events"/> are
/// themselves coarse where they can be (<see cref="ModelReplied"/>, <see cref="ToolCallFinished"/>), so a tool result's
/// text is still stored once.</summary>
public sealed record EventBatch(ImmutableList<ISessionEvent> Events) : ICoarseEvent
{
    public DateTimeOffset Timestamp => Events.Count > 0 ? Events[^1].Timestamp : default;

    public IEnumerable<ISessionEvent> Parts() => Events.SelectMany(CoarseEvents.Expand);
}

/// <summary>Turns a batch of fine events into the rows journaled for it, and rows back into fine events.</summary>
public static class CoarseEvents
{
    /// <summary>What a row holds, for messages and tests: its type, or a batch's rows' types joined by <c>+</c>.</summary>
    public static string Describe(object row) =>
        row is EventBatch batch ? string.Join("+", batch.Events.Select(e => e.GetType().Name)) : row.GetType().Name;

    /// <summary>The fine events of one journaled row (itself, unless it is coarse).</summary>
    public static IEnumerable<ISessionEvent> Expand(ISessionEvent @event) =>
        @event is ICoarseEvent coarse ? coarse.Parts() : [@event];

    /// <summary>The one row that journals <paramref name="events"/> (an atomic write): the event itself when there is one,
    /// else an <see cref="EventBatch"/> of its <see cref="Coarsen">coarsened</see> events.</summary>
    public static ISessionEvent Row(IReadOnlyList<ISessionEvent> events)
    {
        var rows = Coarsen(events);
        return rows.Count == 1 ? rows[0] : new EventBatch(rows);
    }

    /// <summary><paramref name="events"/> with every run that a coarse event stands for exactly replaced by it; anything
    /// else (a run with differing timestamps, a tool message that is not its result) stays as it is.</summary>
    public static ImmutableList<ISessionEvent> Coarsen(IReadOnlyList<ISessionEvent> events)
    {
        var rows = ImmutableList.CreateBuilder<ISessionEvent>();
        for (var i = 0; i < events.Count;)
        {
            var (row, used) = ModelRepliedAt(events, i) ?? ToolCallFinishedAt(events, i) ?? (events[i], 1);
            rows.Add(row);
            i += used;
        }
        return rows.ToImmutable();
    }

    private static (ISessionEvent, int)? ModelRepliedAt(IReadOnlyList<ISessionEvent> events, int i) =>
        i + 2 < events.Count
        && events[i] is ModelResponseReceived r
        && events[i + 1] is MessageAppended { Message.Role: Roles.Assistant } a && a.Timestamp == r.Timestamp
        && events[i + 2] is UsageUpdated u && u.Timestamp == r.Timestamp
            ? (new ModelReplied(r.Turn, r.ResponseId, r.Usage, r.FinishReason, r.LatencyMs, a.Message, u.Total, u.CostUsd, r.Timestamp,
                r.Tokens, r.PolicyVersion, r.SystemFingerprint, a.Thread), 3)
            : null;

    private static (ISessionEvent, int)? ToolCallFinishedAt(IReadOnlyList<ISessionEvent> events, int i)
    {
        if (events[i] is not ToolCallCompleted completed) return null;
        var changes = ImmutableList.CreateBuilder<FileChange>();
        var next = i + 1;
        for (; next < events.Count && events[next] is FileChanged c && c.ToolCallId == completed.Result.ToolCallId && c.Timestamp == completed.Timestamp; next++)
            changes.Add(c.Change);
        return next < events.Count
               && events[next] is MessageAppended { Thread: null } m && m.Timestamp == completed.Timestamp && m.Message == Message.ToolMessage(completed.Result)
            ? (new ToolCallFinished(completed.Result, completed.DurationMs, changes.ToImmutable(), completed.Timestamp), next - i + 1)
            : null;
    }
}
