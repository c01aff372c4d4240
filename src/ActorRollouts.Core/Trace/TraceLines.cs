using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Core.Trace;

/// <summary>Turns a session's journal into the trace JSONL of DESIGN.md: a metadata line from
/// <c>session-started</c>, then one line per event in journal order, each with its sequence number.</summary>
public static class TraceLines
{
    /// <summary>The lines of one event: one, except for a fork's first event, which is the metadata line (with the
    /// parent and branch point) followed by the transcript it inherited, each message marked <c>inherited</c>.</summary>
    public static IEnumerable<JsonObject> ToLines(long seq, ISessionEvent @event)
    {
        if (@event is AgentRequestReceived request)
        {
            // The request, then the messages it added to its thread: the trace reads as each thread's transcript.
            yield return ToLine(seq, request);
            foreach (var message in request.New) yield return MessageLine(seq, new MessageAppended(message, request.Timestamp, request.Thread));
            yield break;
        }
        if (@event is not SessionForked fork)
        {
            yield return ToLine(seq, @event);
            yield break;
        }
        var metadata = Metadata(seq, fork.Spec, fork.Workspace, fork.Timestamp);
        metadata["parent_session_id"] = fork.ParentSessionId;
        metadata["forked_at_seq"] = fork.ForkedAtSeq;
        yield return metadata;
        foreach (var message in fork.From.Messages)
        {
            var line = MessageLine(seq, new MessageAppended(message, fork.Timestamp));
            line["inherited"] = true;
            yield return line;
        }
    }

    public static JsonObject ToLine(long seq, ISessionEvent @event) => @event switch
    {
        SessionStarted e => Metadata(seq, e.Spec, e.Workspace, e.Timestamp),
        MessageAppended e => MessageLine(seq, e),
        _ => new JsonObject
        {
            ["_type"] = "event",
            ["type"] = TypeName(@event),
            ["data"] = EventData(@event),
            ["timestamp"] = Stamp(@event.Timestamp),
            ["seq"] = seq,
        },
    };

    public static string TypeName(ISessionEvent @event) => @event switch
    {
        SessionStarted => "session_started",
        SessionForked => "session_forked",
        MessageAppended => "message",
        ModelRequestStarted => "model_request_started",
        ModelRequestFailed => "model_request_failed",
        ModelResponseReceived => "model_response_received",
        UsageUpdated => "usage_update",
        ToolCallStarted => "tool_call_started",
        ConfirmationRequested => "confirmation_requested",
        ConfirmationResolved => "confirmation_resolved",
        ToolCallCompleted => "tool_call_completed",
        FileChanged e => $"file_{e.Change.Change}",
        SessionResumed => "session_resumed",
        SessionSettingsChanged => "settings_changed",
        SessionCompleted => "session_completed",
        RewardAssigned => "reward_assigned",
        GradingFailed => "grading_failed",
        SessionFailed => "session_failed",
        AgentRequestReceived => "agent_request",
        AgentRequestRejected => "agent_request_rejected",
        AgentExited => "agent_exited",
        ReplayDiverged => "replay_diverged",
        ContextCompacted => "context_compacted",
        _ => "unknown",
    };

    private static JsonObject Metadata(long seq, SessionSpec spec, string workspace, DateTimeOffset created) => new()
    {
        ["_type"] = "metadata",
        ["session_id"] = spec.SessionId,
        ["created_at"] = Stamp(created),
        ["model"] = spec.Endpoint.Model,
        ["workspace"] = workspace,
        ["fleet_id"] = spec.FleetId,
        ["task_id"] = spec.TaskId,
        ["sample"] = spec.Sample,
        ["api"] = spec.Endpoint.Api,
        ["base_url"] = spec.Endpoint.BaseUrl,
        ["api_key_env"] = spec.Endpoint.ApiKeyEnv,
        ["max_turns"] = spec.MaxTurns,
        ["tools"] = Node(spec.Tools),
        ["metadata"] = Node(spec.Metadata),
        ["seq"] = seq,
    };

    private static JsonObject MessageLine(long seq, MessageAppended e)
    {
        var m = e.Message;
        var line = new JsonObject { ["_type"] = "message", ["role"] = m.Role, ["content"] = m.Content };
        if (m.ReasoningContent is not null) line["reasoning_content"] = m.ReasoningContent;
        if (m.ToolCalls is { Count: > 0 }) line["tool_calls"] = Node(m.ToolCalls);
        if (m.ToolCallId is not null) line["tool_call_id"] = m.ToolCallId;
        if (e.Thread is { } thread) line["thread"] = thread;
        line["timestamp"] = Stamp(e.Timestamp);
        line["seq"] = seq;
        return line;
    }

    private static JsonNode? EventData(ISessionEvent @event) => @event switch
    {
        ToolCallStarted e => new JsonObject { ["name"] = e.Name, ["tool_call_id"] = e.ToolCallId, ["arguments"] = e.Arguments },
        ToolCallCompleted e => WithDuration(Node(e.Result), e.DurationMs),
        UsageUpdated e => new JsonObject { ["tokens"] = Node(e.Total), ["cost"] = e.CostUsd },
        // Contents are for rebuilding workspaces (`workspace`), not for reading: the diff shows the change.
        FileChanged e => WithToolCallId(Node(e.Change with { Content = null }), e.ToolCallId),
        // Token ids are for `export --format tokens`, not for reading: the trace says how many there are.
        ModelResponseReceived { Tokens: { } tokens } e => WithTokenCounts(WithoutTimestamp(Node(e with { Tokens = null })), tokens),
        // Its messages follow as message lines; its tools are named (their schemas are in the journal).
        AgentRequestReceived e => new JsonObject
        {
            ["turn"] = e.Turn, ["thread"] = e.Thread, ["from_thread"] = e.FromThread, ["base_length"] = e.BaseLength, ["new_messages"] = e.New.Count,
            ["tools"] = e.Tools is null ? null : Node(e.Tools.Select(t => t.Name).ToList()), ["model"] = e.Model, ["api"] = e.Api, ["stream"] = e.Stream,
        },
        SessionSettingsChanged e => new JsonObject { ["changes"] = Node(e.Changes), ["model"] = e.Spec.Endpoint.Model, ["max_turns"] = e.Spec.MaxTurns },
        // The timestamp is its own field on every line; keep it out of data.
        _ => WithoutTimestamp(Node(@event, @event.GetType())),
    };

    private static JsonNode? WithDuration(JsonNode? node, long durationMs)
    {
        if (node is JsonObject o) o["duration_ms"] = durationMs;
        return node;
    }

    private static JsonNode? WithTokenCounts(JsonNode? node, Tokens.TurnTokens tokens)
    {
        if (node is JsonObject o)
            o["tokens"] = !tokens.IsAvailable ? "unavailable" : new JsonObject
            {
                ["prompt_shared"] = tokens.PromptShared, ["prompt_new"] = tokens.Prompt.Count,
                ["completion"] = tokens.Completion.Count, ["logprobs"] = tokens.Logprobs.Count,
            };
        return node;
    }

    private static JsonNode? WithToolCallId(JsonNode? node, string toolCallId)
    {
        if (node is JsonObject o) o["tool_call_id"] = toolCallId;
        return node;
    }

    private static JsonNode? WithoutTimestamp(JsonNode? node)
    {
        (node as JsonObject)?.Remove("timestamp");
        return node;
    }

    private static string Stamp(DateTimeOffset t) => t.ToUniversalTime().ToString("O");

    private static JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, RolloutJson.Options);

    private static JsonNode? Node(object value, Type type) => JsonSerializer.SerializeToNode(value, type, RolloutJson.Options);
}
