using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm.Tests;

public class ResponsesEndpointTests
{
    private const string Script = """
        { "scenarios": [ { "turns": [
            { "reasoning": "Think about it.", "content": "Calling the tool.", "tool_calls": [ { "name": "lookup", "arguments": { "q": "x" } } ] },
            { "content": "Done." } ] } ] }
        """;

    private static readonly HttpClient Http = new();

    private static async Task<List<(string Event, JsonNode Data)>> Stream(FakeLlmServer server, JsonArray input)
    {
        var body = new JsonObject { ["model"] = "gpt-5", ["input"] = input, ["stream"] = true }.ToJsonString();
        var response = await Http.PostAsync($"{server.BaseUrl}/responses", new StringContent(body, Encoding.UTF8, "application/json"));
        var sse = await response.Content.ReadAsStringAsync();
        return sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block =>
        {
            var lines = block.Split('\n');
            return (lines[0]["event: ".Length..], JsonNode.Parse(lines[1]["data: ".Length..])!);
        }).ToList();
    }

    [Fact]
    public async Task Stream_EventsComeInTheRealOrderWithCompleteEncryptedContentOnlyWhenDone()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var events = await Stream(server, [new JsonObject { ["role"] = "user", ["content"] = "go" }]);

        Assert.All(events, e => Assert.Equal(e.Event, (string?)e.Data["type"]));
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => (int)e.Data["sequence_number"]!));
        Assert.Equal(["response.created", "response.in_progress", "response.output_item.added"], events.Take(3).Select(e => e.Event));
        Assert.Equal("response.completed", events[^1].Event);
        var done = events.Where(e => e.Event == "response.output_item.done").Select(e => e.Data["item"]!).ToList();
        Assert.Equal(["reasoning", "message", "function_call"], done.Select(i => (string?)i["type"]));
        var added = events.First(e => e.Event == "response.output_item.added").Data["item"]!;
        Assert.True(((string)added["encrypted_content"]!).Length < ((string)done[0]["encrypted_content"]!).Length, "added holds a truncated placeholder");
        Assert.Equal("""{"q":"x"}""", string.Concat(events.Where(e => e.Event == "response.function_call_arguments.delta").Select(e => (string?)e.Data["delta"])));
        var usage = events[^1].Data["response"]!["usage"]!;
        Assert.True((int)usage["output_tokens_details"]!["reasoning_tokens"]! > 0);
        Assert.Equal(0, server.Requests.Single().Turn);
    }

    [Fact]
    public async Task Turn_CountsEarlierAssistantTurnsInTheInput()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var input = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = "go" },
            new JsonObject { ["type"] = "reasoning", ["id"] = "rs_1", ["summary"] = new JsonArray() },
            new JsonObject { ["type"] = "message", ["role"] = "assistant", ["content"] = "Calling the tool." },
            new JsonObject { ["type"] = "function_call", ["call_id"] = "c1", ["name"] = "lookup", ["arguments"] = "{}" },
            new JsonObject { ["type"] = "function_call_output", ["call_id"] = "c1", ["output"] = "42" });

        var events = await Stream(server, input);

        Assert.Equal("Done.", (string?)events.Last(e => e.Event == "response.output_item.done").Data["item"]!["content"]![0]!["text"]);
        Assert.Equal(1, server.Requests.Single().Turn);
    }

    [Fact]
    public async Task Fault_ResponseFailed_SendsNestedErrorEventThenResponseFailed()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            {"scenarios":[{"turns":[{"content":"x","fault":{"response_failed":{"code":"server_error","message":"boom"}}}]}]}
            """));

        var events = await Stream(server, [new JsonObject { ["role"] = "user", ["content"] = "go" }]);

        Assert.Equal(["response.created", "response.in_progress", "error", "response.failed"], events.Select(e => e.Event));
        Assert.Equal("server_error", (string?)events[2].Data["error"]!["code"]);
        Assert.Equal("boom", (string?)events[3].Data["response"]!["error"]!["message"]);
    }
}
