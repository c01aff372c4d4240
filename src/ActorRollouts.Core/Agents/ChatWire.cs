using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Agents;

/// <summary>Reads a Chat Completions request body (<c>POST /v1/chat/completions</c>) into an <see cref="AgentRequest"/>. What
/// the gateway cannot forward faithfully is refused with the field it is in: a silently dropped setting would make the
/// journal lie about what the agent asked for.</summary>
public static class ChatWire
{
    /// <summary>Fields read (or deliberately left to the fleet's settings, which govern sampling: a rollout's samples are
    /// comparable only if every session is sampled alike).</summary>
    private static readonly string[] Known =
    [
        "model", "messages", "tools", "stream", "stream_options", "tool_choice", "parallel_tool_calls", "temperature", "top_p",
        "max_tokens", "max_completion_tokens", "n", "user", "seed", "metadata", "store", "frequency_penalty", "presence_penalty",
        "stop", "logprobs", "top_logprobs", "reasoning_effort",
    ];

    public static AgentRequest Parse(ReadOnlySpan<byte> body)
    {
        var root = Root(body);
        foreach (var property in root.EnumerateObject())
            if (!Known.Contains(property.Name))
                throw new AgentRequestException($"Unsupported field '{property.Name}': this gateway cannot forward it.", property.Name);
        if (root.TryGetProperty("n", out var n) && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out var count) && count == 1))
            throw new AgentRequestException("Only n = 1 is supported: each request is one turn of the session.", "n");
        if (root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind == JsonValueKind.Object)
            throw new AgentRequestException("tool_choice naming a function is not supported; use \"auto\".", "tool_choice");
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw new AgentRequestException("'messages' is required: a non-empty array of messages.", "messages");
        return new AgentRequest(
            "chat",
            OptionalString(root, "model"),
            root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
            root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
                && options.TryGetProperty("include_usage", out var usage) && usage.ValueKind == JsonValueKind.True,
            [.. messages.EnumerateArray().Select((m, i) => ReadMessage(m, $"messages[{i}]"))],
            ReadTools(root));
    }

    /// <summary>The request body as a JSON object, or a refusal saying why it is not one.</summary>
    internal static JsonElement Root(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new AgentRequestException("The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new AgentRequestException($"The request body is not valid JSON ({ex.Message.Split(" Path:")[0]}).");
        }
    }

    internal static JsonElement EmptySchema() => JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    private static Message ReadMessage(JsonElement m, string where)
    {
        if (m.ValueKind != JsonValueKind.Object) throw new AgentRequestException($"{where} must be an object.", where);
        var role = OptionalString(m, "role", where) ?? throw new AgentRequestException($"{where}.role is required.", $"{where}.role");
        var content = Content(m, where);
        return role switch
        {
            "system" or "developer" => Message.System(content ?? ""),
            Roles.User => Message.User(content ?? ""),
            Roles.Assistant => new Message(Roles.Assistant, content, ToolCalls: ToolCalls(m, where)),
            Roles.Tool => new Message(Roles.Tool, content ?? "",
                ToolCallId: OptionalString(m, "tool_call_id", where) ?? throw new AgentRequestException($"{where}.tool_call_id is required on a tool message.", $"{where}.tool_call_id")),
            _ => throw new AgentRequestException($"{where}.role '{role}' is not one of system, developer, user, assistant, tool.", $"{where}.role"),
        };
    }

    /// <summary>A string, null, or text parts (joined): other parts (images, audio) cannot reach the model through this path.</summary>
    private static string? Content(JsonElement m, string where)
    {
        if (!m.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null) return null;
        if (content.ValueKind == JsonValueKind.String) return content.GetString();
        if (content.ValueKind != JsonValueKind.Array) throw new AgentRequestException($"{where}.content must be a string or an array of parts.", $"{where}.content");
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object ? OptionalString(part, "type", where) : null;
            if (type != "text" || OptionalString(part, "text", where) is not { } piece)
                throw new AgentRequestException($"{where}.content[{index}]: only text parts are supported (got '{type ?? part.ValueKind.ToString()}').", $"{where}.content[{index}]");
            text.Append(piece);
            index++;
        }
        return text.ToString();
    }

    private static ImmutableList<ToolCall>? ToolCalls(JsonElement m, string where)
    {
        if (!m.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null) return null;
        if (calls.ValueKind != JsonValueKind.Array) throw new AgentRequestException($"{where}.tool_calls must be an array.", $"{where}.tool_calls");
        var list = calls.EnumerateArray().Select((c, i) =>
        {
            var at = $"{where}.tool_calls[{i}]";
            var function = c.ValueKind == JsonValueKind.Object && c.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object
                ? f : throw new AgentRequestException($"{at}.function is required.", $"{at}.function");
            return new ToolCall(
                OptionalString(c, "id", at) ?? throw new AgentRequestException($"{at}.id is required.", $"{at}.id"),
                OptionalString(function, "name", at) ?? throw new AgentRequestException($"{at}.function.name is required.", $"{at}.function.name"),
                OptionalString(function, "arguments", at) ?? "");
        }).ToImmutableList();
        return list.IsEmpty ? null : list;
    }

    private static ImmutableList<ToolSpec> ReadTools(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null) return [];
        if (tools.ValueKind != JsonValueKind.Array) throw new AgentRequestException("'tools' must be an array.", "tools");
        return [.. tools.EnumerateArray().Select((t, i) =>
        {
            var at = $"tools[{i}]";
            if (t.ValueKind != JsonValueKind.Object || OptionalString(t, "type", at) != "function"
                || !t.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
                throw new AgentRequestException($"{at}: only tools of type \"function\" can be forwarded.", at);
            return new ToolSpec(
                OptionalString(f, "name", at) ?? throw new AgentRequestException($"{at}.function.name is required.", $"{at}.function.name"),
                OptionalString(f, "description", at) ?? "",
                f.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object
                    ? p.Clone()
                    : EmptySchema());
        })];
    }

    internal static string? OptionalString(JsonElement element, string name, string? where = null)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new AgentRequestException($"{(where is null ? "" : where + ".")}{name} must be a string.", where is null ? name : $"{where}.{name}");
    }
}
