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
}
