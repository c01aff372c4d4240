using System.Text.Json.Nodes;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Analysis;

/// <summary>A session as an OpenAI chat fine-tuning record: <c>{"messages": [...], "tools": [...]}</c> with the
/// assistant's tool calls nested as the Chat Completions API has them and every tool result as a <c>tool</c> message.</summary>
public static class ChatExport
{
    public static JsonObject Record(SessionState session, IEnumerable<ToolSpec> tools) => new()
    {
        ["messages"] = new JsonArray(session.Messages.Select(Message).ToArray()),
        ["tools"] = new JsonArray(tools.Select(t => (JsonNode)new JsonObject
        {
            ["type"] = "function",
            ["function"] = new JsonObject
            {
                ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = JsonNode.Parse(t.ParametersSchema.GetRawText()),
            },
        }).ToArray()),
    };

    private static JsonNode Message(Message m)
    {
        var message = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
        if (m.ToolCalls is { Count: > 0 } calls)
            message["tool_calls"] = new JsonArray(calls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id, ["type"] = "function", ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments.ToString() },
            }).ToArray());
        if (m.ToolCallId is not null) message["tool_call_id"] = m.ToolCallId;
        return message;
    }
}
