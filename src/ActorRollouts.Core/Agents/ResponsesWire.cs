using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Agents;

/// <summary>Reads a Responses API request (<c>POST /v1/responses</c>) into an <see cref="AgentRequest"/>: <c>instructions</c>
/// and the <c>input</c> items become the conversation (a run of <c>function_call</c> items joins the assistant message before
/// it, as one turn's calls). The agent resends its history each turn, as Codex CLI and the Agents SDK do; server-side state
/// (<c>previous_response_id</c>, <c>conversation</c>) and tools other than functions cannot be served, and are refused naming
/// the field.</summary>
public static class ResponsesWire
{
    private static readonly string[] Known =
    [
        "model", "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "stream", "stream_options", "store", "temperature", "top_p",
        "max_output_tokens", "metadata", "user", "reasoning", "include", "text", "truncation", "prompt_cache_key", "service_tier", "safety_identifier",
        "top_logprobs", "client_metadata",
    ];

    public static AgentRequest Parse(ReadOnlySpan<byte> body)
    {
        var root = ChatWire.Root(body);
        foreach (var property in root.EnumerateObject())
            if (!Known.Contains(property.Name))
                throw new AgentRequestException(property.Name is "previous_response_id" or "conversation" or "background"
                    ? $"'{property.Name}' is not supported: this gateway keeps no server-side state. Send the whole conversation in 'input' (store: false)."
                    : $"Unsupported field '{property.Name}': this gateway cannot forward it.", property.Name);
        var messages = ImmutableList.CreateBuilder<Message>();
        if (ChatWire.OptionalString(root, "instructions") is { Length: > 0 } instructions) messages.Add(Message.System(instructions));
        if (!root.TryGetProperty("input", out var input)) throw new AgentRequestException("'input' is required.", "input");
        if (input.ValueKind == JsonValueKind.String) messages.Add(Message.User(input.GetString()!));
        else if (input.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in input.EnumerateArray()) Add(messages, item, $"input[{index++}]");
        }
        else throw new AgentRequestException("'input' must be a string or an array of items.", "input");
        if (messages.Count == 0) throw new AgentRequestException("'input' holds no message.", "input");
        return new AgentRequest("responses", ChatWire.OptionalString(root, "model"), root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True,
            true, messages.ToImmutable(), ReadTools(root));
    }

    private static void Add(ImmutableList<Message>.Builder messages, JsonElement item, string where)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new AgentRequestException($"{where} must be an object.", where);
        var type = ChatWire.OptionalString(item, "type", where) ?? "message";
        switch (type)
        {
            case "message":
                var role = ChatWire.OptionalString(item, "role", where) ?? throw new AgentRequestException($"{where}.role is required.", $"{where}.role");
                var text = Text(item, where);
                messages.Add(role switch
                {
                    "system" or "developer" => Message.System(text),
                    Roles.User => Message.User(text),
                    Roles.Assistant => Message.Assistant(text),
                    _ => throw new AgentRequestException($"{where}.role '{role}' is not one of system, developer, user, assistant.", $"{where}.role"),
                });
                break;
            case "function_call":
                var call = new ToolCall(
                    ChatWire.OptionalString(item, "call_id", where) ?? throw new AgentRequestException($"{where}.call_id is required.", $"{where}.call_id"),
                    ChatWire.OptionalString(item, "name", where) ?? throw new AgentRequestException($"{where}.name is required.", $"{where}.name"),
                    ChatWire.OptionalString(item, "arguments", where) ?? "");
                // The calls of one turn follow its message (if it wrote one): together they are one assistant message.
                if (messages.Count > 0 && messages[^1] is { Role: Roles.Assistant } last && (last.HasToolCalls || last.Content is not null))
                    messages[^1] = last with { ToolCalls = (last.ToolCalls ?? []).Add(call) };
                else messages.Add(Message.Assistant(null, [call]));
                break;
            case "function_call_output":
                messages.Add(new Message(Roles.Tool, Output(item, where),
                    ToolCallId: ChatWire.OptionalString(item, "call_id", where) ?? throw new AgentRequestException($"{where}.call_id is required.", $"{where}.call_id")));
                break;
            case "reasoning":
                break; // the model's own, which the journal holds with the answer it came in; nothing to forward
            default:
                throw new AgentRequestException($"{where}: items of type '{type}' cannot be forwarded (message, function_call, function_call_output and reasoning can).", where);
        }
    }

    private static string Text(JsonElement item, string where) =>
        item.TryGetProperty("content", out var content) ? Parts(content, $"{where}.content") : "";

    /// <summary>A string, or text parts (<c>input_text</c>, <c>output_text</c>, <c>text</c>) joined: other parts (images,
    /// files) cannot reach the model through this path.</summary>
    private static string Parts(JsonElement content, string where)
    {
        if (content.ValueKind == JsonValueKind.Null) return "";
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw new AgentRequestException($"{where} must be a string or an array of parts.", where);
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var type = part.ValueKind == JsonValueKind.Object ? ChatWire.OptionalString(part, "type", where) : null;
            if (type is not ("input_text" or "output_text" or "text") || ChatWire.OptionalString(part, "text", where) is not { } piece)
                throw new AgentRequestException($"{where}[{index}]: only text parts are supported (got '{type ?? part.ValueKind.ToString()}').", $"{where}[{index}]");
            text.Append(piece);
            index++;
        }
        return text.ToString();
    }

    private static string Output(JsonElement item, string where) =>
        item.TryGetProperty("output", out var output) ? Parts(output, $"{where}.output")
        : throw new AgentRequestException($"{where}.output is required.", $"{where}.output");

    private static ImmutableList<ToolSpec> ReadTools(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null) return [];
        if (tools.ValueKind != JsonValueKind.Array) throw new AgentRequestException("'tools' must be an array.", "tools");
        return [.. tools.EnumerateArray().Select((t, i) =>
        {
            var at = $"tools[{i}]";
            var type = t.ValueKind == JsonValueKind.Object ? ChatWire.OptionalString(t, "type", at) : null;
            if (type != "function")
                throw new AgentRequestException($"{at}: only tools of type \"function\" can be forwarded (got '{type}').", at);
            return new ToolSpec(
                ChatWire.OptionalString(t, "name", at) ?? throw new AgentRequestException($"{at}.name is required.", $"{at}.name"),
                ChatWire.OptionalString(t, "description", at) ?? "",
                t.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p.Clone() : ChatWire.EmptySchema());
        })];
    }
}
