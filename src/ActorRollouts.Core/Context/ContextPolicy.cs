using System.Collections.Immutable;
using System.Text;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Core.Context;

/// <summary>When a session makes room in its context window, and what it removes: pure, so recovery, <c>fork</c> and every
/// reader of the journal see the same transcript. The size of the next request is estimated from the last reported usage
/// (the prompt and completion the server counted) plus what was added since, at four bytes a token.</summary>
public static class ContextPolicy
{
    private const int BytesPerToken = 4;

    /// <summary>Tokens the next request would hold.</summary>
    public static int Estimate(SessionState state)
    {
        var since = state.Messages.Skip(state.MessagesCounted);
        return state.CountedTokens + since.Sum(Bytes) / BytesPerToken;
    }

    /// <summary>The compaction to journal before the next request, or null: none is configured, the request fits under the
    /// trigger, or there is nothing old enough to remove.</summary>
    public static ContextCompacted? Compaction(SessionState state, DateTimeOffset now, bool refused = false)
    {
        if (state.Spec?.Context is not { Strategy: ContextSpec.Trim } context || state.IsAgent) return null;
        var before = Estimate(state);
        if (before <= context.Threshold && !refused) return null; // a server that refused it knows better than the estimate
        var removed = Trimmable(state.Messages, context.KeepLastTurns, state.TrimmedToolCalls);
        if (removed.IsEmpty) return null;
        var saved = removed.Sum(r => r.Bytes - Encoding.UTF8.GetByteCount(Stub(r.Tool, r.Bytes)));
        return new ContextCompacted(ContextSpec.Trim, before, Math.Max(0, before - saved / BytesPerToken), removed, now);
    }

    /// <summary>Tool results before the last <paramref name="keepLastTurns"/> assistant turns, not trimmed yet, largest saving
    /// first in transcript order.</summary>
    private static ImmutableList<TrimmedResult> Trimmable(ImmutableList<Message> messages, int keepLastTurns, ImmutableHashSet<string> trimmed)
    {
        var assistants = messages.Select((m, i) => (m, i)).Where(p => p.m.Role == Roles.Assistant).Select(p => p.i).ToList();
        var cut = assistants.Count > keepLastTurns ? assistants[^Math.Max(1, keepLastTurns)] : -1;
        if (keepLastTurns == 0) cut = messages.Count;
        return [.. messages.Take(Math.Max(0, cut))
            .Where(m => m.Role == Roles.Tool && m.ToolCallId is { } id && !trimmed.Contains(id))
            .Select(m => new TrimmedResult(m.ToolCallId!, m.ToolResult?.Name ?? "tool", Encoding.UTF8.GetByteCount(m.Content ?? "")))
            .Where(r => r.Bytes > Encoding.UTF8.GetByteCount(Stub(r.Tool, r.Bytes)))];
    }

    /// <summary>A model call the server refused because its prompt does not fit the model's context.</summary>
    public static bool IsContextLengthError(int? httpStatus, string error) =>
        httpStatus == 400 && error.Contains("context_length_exceeded", StringComparison.Ordinal);

    /// <summary>What a trimmed tool result says instead of its text: the call id and the assistant message stay, so the
    /// transcript is still valid for both APIs.</summary>
    public static string Stub(string tool, int bytes) => $"[{tool} result removed to save context: {bytes} bytes]";

    /// <summary>The transcript with the compaction's tool results replaced by their stubs.</summary>
    public static ImmutableList<Message> Apply(ImmutableList<Message> messages, ContextCompacted compaction)
    {
        var byId = new Dictionary<string, TrimmedResult>();
        foreach (var removed in compaction.Removed) byId.TryAdd(removed.ToolCallId, removed); // total: a repeated id changes nothing more
        return messages.Select(m => m.Role == Roles.Tool && m.ToolCallId is { } id && byId.TryGetValue(id, out var r)
            ? m with { Content = Stub(r.Tool, r.Bytes), ToolResult = m.ToolResult is { } result ? result with { Content = Stub(r.Tool, r.Bytes) } : null }
            : m).ToImmutableList();
    }

    private static int Bytes(Message m) =>
        Encoding.UTF8.GetByteCount(m.Content ?? "") + (m.ToolCalls ?? []).Sum(c => c.Arguments.Length + c.Name.Length + c.Id.Length);
}
