using System.Text;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Agents;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Tests;

/// <summary>What the gateway reads from an agent's Chat Completions request, what it refuses (naming the field), and the
/// answer's two wire forms.</summary>
public class AgentWireTests
{
    private static AgentRequest Parse(string json) => ChatWire.Parse(Encoding.UTF8.GetBytes(json));

    private static AgentRequestException Refused(string json) => Assert.Throws<AgentRequestException>(() => Parse(json));

    [Fact]
    public void Parse_AConversationWithToolCalls_ReadsEveryMessageToolAndOption()
    {
        var request = Parse("""
            {"model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true}, "temperature": 0.2,
             "messages": [
               {"role": "developer", "content": [{"type": "text", "text": "Be "}, {"type": "text", "text": "careful."}]},
               {"role": "user", "content": "fix it"},
               {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "shell", "arguments": "{\"command\":\"ls\"}"}}]},
               {"role": "tool", "tool_call_id": "c1", "content": "a.txt\n"}],
             "tools": [{"type": "function", "function": {"name": "shell", "description": "runs it", "parameters": {"type": "object"}}}]}
            """);

        Assert.Equal(("chat", "gpt-4o", true, true), (request.Api, request.Model, request.Stream, request.IncludeUsage));
        Assert.Equal([Roles.System, Roles.User, Roles.Assistant, Roles.Tool], request.Messages.Select(m => m.Role));
        Assert.Equal("Be careful.", request.Messages[0].Content);
        var call = Assert.Single(request.Messages[2].ToolCalls!);
        Assert.Equal(("c1", "shell", """{"command":"ls"}"""), (call.Id, call.Name, call.Arguments.ToString()));
        Assert.Equal(("c1", "a.txt\n"), (request.Messages[3].ToolCallId, request.Messages[3].Content));
        Assert.Equal(("shell", "runs it"), (request.Tools[0].Name, request.Tools[0].Description));
    }

    [Theory]
    [InlineData("{nope", null, "The request body is not valid JSON")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "functions": []}""", "functions", "Unsupported field 'functions'")]
    [InlineData("""{"messages": []}""", "messages", "'messages' is required")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "n": 2}""", "n", "Only n = 1")]
    [InlineData("""{"messages": [{"role": "wizard", "content": "x"}]}""", "messages[0].role", "messages[0].role 'wizard'")]
    [InlineData("""{"messages": [{"role": "tool", "content": "x"}]}""", "messages[0].tool_call_id", "messages[0].tool_call_id is required")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}""", "messages[0].content[0]", "messages[0].content[0]: only text parts")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "web_search"}]}""", "tools[0]", "tools[0]: only tools of type \"function\"")]
    public void Parse_WhatCannotBeForwarded_IsRefused_NamingTheField(string body, string? param, string message)
    {
        var refused = Refused(body);

        Assert.Equal(param, refused.Param);
        Assert.StartsWith(message, refused.Message);
        Assert.Equal(400, refused.Status);
    }

    private static readonly AgentAnswer Answer = new("chatcmpl-7", "gpt-4o", 1_765_000_000,
        Message.Assistant("Let me look.", [new ToolCall("c1", "shell", """{"command":"ls"}""")]), "tool_calls", new Usage(100, 20));

    [Fact]
    public void Completion_IsTheChatCompletionShape()
    {
        var body = JsonNode.Parse(ChatAnswerWriter.Completion(Answer))!;

        Assert.Equal(("chatcmpl-7", "chat.completion", 1_765_000_000L, "gpt-4o"), ((string?)body["id"], (string?)body["object"], (long)body["created"]!, (string?)body["model"]));
        var choice = body["choices"]![0]!;
        Assert.Equal(("assistant", "Let me look.", "tool_calls"), ((string?)choice["message"]!["role"], (string?)choice["message"]!["content"], (string?)choice["finish_reason"]));
        Assert.Equal(("c1", "shell"), ((string?)choice["message"]!["tool_calls"]![0]!["id"], (string?)choice["message"]!["tool_calls"]![0]!["function"]!["name"]));
        Assert.Equal((100, 20, 120), ((int)body["usage"]!["prompt_tokens"]!, (int)body["usage"]!["completion_tokens"]!, (int)body["usage"]!["total_tokens"]!));
    }

    [Fact]
    public void Chunks_AccumulateToTheSameAnswer_EndWithDone_AndAreTheSameBytesEveryTime()
    {
        var events = ChatAnswerWriter.Chunks(Answer, includeUsage: true).Select(Encoding.UTF8.GetString).ToList();

        Assert.All(events, e => Assert.Matches(@"^data: .*\n\n$", e));
        Assert.Equal("data: [DONE]\n\n", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList();
        Assert.All(chunks, c => Assert.Equal(("chatcmpl-7", "chat.completion.chunk"), ((string?)c["id"], (string?)c["object"])));
        var deltas = chunks.Where(c => c["choices"]!.AsArray().Count > 0).Select(c => c["choices"]![0]!["delta"]!).ToList();
        Assert.Equal("Let me look.", string.Concat(deltas.Select(d => (string?)d["content"] ?? "")));
        Assert.Equal("shell", (string?)deltas.Single(d => d["tool_calls"] is not null)["tool_calls"]![0]!["function"]!["name"]);
        Assert.Equal("tool_calls", (string?)chunks.Last(c => c["choices"]!.AsArray().Count > 0)["choices"]![0]!["finish_reason"]);
        Assert.Equal(120, (int)chunks[^1]["usage"]!["total_tokens"]!);
        Assert.Equal(events, ChatAnswerWriter.Chunks(Answer, includeUsage: true).Select(Encoding.UTF8.GetString));
    }

    [Fact]
    public void OpenAiError_IsTheErrorShapeTheSdksRead()
    {
        var error = JsonNode.Parse(OpenAiError.Body("max_turns reached", code: "max_turns"))!["error"]!;

        Assert.Equal(("max_turns reached", "invalid_request_error", "max_turns"), ((string?)error["message"], (string?)error["type"], (string?)error["code"]));
    }

    [Fact]
    public void Responses_InstructionsAndItems_BecomeTheConversation_ATurnsCallsJoinItsMessage()
    {
        var request = ResponsesWire.Parse(Encoding.UTF8.GetBytes("""
            {"model": "codex", "stream": true, "store": false, "instructions": "Be careful.", "client_metadata": {"session_id": "x"},
             "input": [
               {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "sandbox: none"}]},
               {"role": "user", "content": "fix it"},
               {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAA"},
               {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Looking."}]},
               {"type": "function_call", "call_id": "c1", "name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"},
               {"type": "function_call", "call_id": "c2", "name": "exec_command", "arguments": "{}"},
               {"type": "function_call_output", "call_id": "c1", "output": "a.txt"},
               {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "b"}]}],
             "tools": [{"type": "function", "name": "exec_command", "description": "runs it", "strict": false, "parameters": {"type": "object"}}]}
            """));

        Assert.Equal(("responses", "codex", true), (request.Api, request.Model, request.Stream));
        Assert.Equal([Roles.System, Roles.System, Roles.User, Roles.Assistant, Roles.Tool, Roles.Tool], request.Messages.Select(m => m.Role));
        Assert.Equal(["Be careful.", "sandbox: none", "fix it", "Looking.", "a.txt", "b"], request.Messages.Select(m => m.Content));
        Assert.Equal(["c1", "c2"], request.Messages[3].ToolCalls!.Select(c => c.Id));
        Assert.Equal("exec_command", Assert.Single(request.Tools).Name);
    }

    [Theory]
    [InlineData("""{"input": "x", "previous_response_id": "resp_1"}""", "previous_response_id", "'previous_response_id' is not supported")]
    [InlineData("""{"input": "x", "tools": [{"type": "web_search"}]}""", "tools[0]", "tools[0]: only tools of type \"function\"")]
    [InlineData("""{"input": [{"type": "custom_tool_call", "call_id": "c", "name": "apply_patch", "input": "…"}]}""", "input[0]", "input[0]: items of type 'custom_tool_call'")]
    [InlineData("""{"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "x"}]}]}""", "input[0].content[0]", "input[0].content[0]: only text parts")]
    [InlineData("""{"model": "m"}""", "input", "'input' is required")]
    public void Responses_WhatCannotBeForwarded_IsRefused_NamingTheField(string body, string param, string message)
    {
        var refused = Assert.Throws<AgentRequestException>(() => ResponsesWire.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(param, refused.Param);
        Assert.StartsWith(message, refused.Message);
    }

    [Fact]
    public void Responses_AnswerAndItsEvents_AreTheResponsesShape_TheSameBytesEveryTime()
    {
        var response = JsonNode.Parse(ResponsesAnswerWriter.Response(Answer))!;
        Assert.Equal(("resp_chatcmpl-7", "response", "completed"), ((string?)response["id"], (string?)response["object"], (string?)response["status"]));
        var output = response["output"]!.AsArray();
        Assert.Equal(("message", "Let me look."), ((string?)output[0]!["type"], (string?)output[0]!["content"]![0]!["text"]));
        Assert.Equal(("function_call", "c1", "shell", """{"command":"ls"}"""),
            ((string?)output[1]!["type"], (string?)output[1]!["call_id"], (string?)output[1]!["name"], (string?)output[1]!["arguments"]));
        Assert.Equal(120, (int)response["usage"]!["total_tokens"]!);

        var events = ResponsesAnswerWriter.Events(Answer).Select(Encoding.UTF8.GetString).ToList();
        var bodies = events.Select(e => JsonNode.Parse(e[(e.IndexOf("data: ", StringComparison.Ordinal) + 6)..])!).ToList();
        Assert.Equal(Enumerable.Range(0, events.Count), bodies.Select(b => (int)b["sequence_number"]!));
        Assert.All(events.Zip(bodies), p => Assert.StartsWith($"event: {(string)p.Second["type"]!}\ndata: ", p.First));
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.output_item.added",
            "response.function_call_arguments.delta", "response.function_call_arguments.done", "response.output_item.done", "response.completed"],
            bodies.Select(b => (string)b["type"]!));
        Assert.Equal(response.ToJsonString(), bodies[^1]["response"]!.ToJsonString());
        Assert.Equal(events, ResponsesAnswerWriter.Events(Answer).Select(Encoding.UTF8.GetString));
    }
}
