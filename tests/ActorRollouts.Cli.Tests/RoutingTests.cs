using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>The same three-turn tool task, routed by model: gpt-5.1-codex-high to the Responses API (stateless, reasoning
/// carried across turns), gpt-4o to Chat Completions. Checked on the requests the scripted server received.</summary>
public class RoutingTests
{
    private const string Script = """
        { "scenarios": [ { "turns": [
            { "reasoning": "The note must exist first.", "content": "I will write the note.",
              "tool_calls": [ { "name": "write_file", "arguments": { "path": "note.txt", "content": "hello\n" } } ] },
            { "reasoning": "Now check it.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "note.txt" } } ] },
            { "content": "The note says hello." } ] } ] }
        """;

    private static async Task<(CliResult Run, IReadOnlyList<RecordedRequest> Requests)> RunTask(string model)
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"note","prompt":"Write note.txt then check it.","system":"You are terse.","tools":["read_file","write_file"]}"""]);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--model", model, "--data-dir", Path.Combine(dir, "data")]);
        return (run, server.Requests);
    }

    [Fact]
    public async Task Gpt51CodexHigh_GoesToResponsesStatelesslyWithReasoningCarriedAcrossTurns()
    {
        var (run, requests) = await RunTask("gpt-5.1-codex-high");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, requests.Count);
        var bodies = requests.Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToList();
        Assert.All(requests, r => Assert.Equal("/v1/responses", r.Path));
        foreach (var body in bodies)
        {
            Assert.Equal("You are terse.", (string?)body["instructions"]);
            Assert.Equal("gpt-5.1-codex", (string?)body["model"]);
            Assert.Equal("high", (string?)body["reasoning"]!["effort"]);
            Assert.False(body.ContainsKey("temperature"));
            Assert.Equal(false, (bool?)body["store"]);
            Assert.Contains("reasoning.encrypted_content", body["include"]!.AsArray().Select(i => (string?)i));
            Assert.All(body["tools"]!.AsArray(), t =>
            {
                Assert.Equal("function", (string?)t!["type"]);
                Assert.NotNull(t["name"]);
                Assert.NotNull(t["parameters"]);
                Assert.Null(t["function"]); // flat, not Chat's nested shape
            });
            Assert.DoesNotContain(body["input"]!.AsArray(), i => (string?)i!["role"] == "system");
        }

        // Turn 2 replays turn 1: its reasoning item (same encrypted_content), its text, its call, and the call's output.
        var input = bodies[1]["input"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal(["message", "reasoning", "message", "function_call", "function_call_output"], input.Select(i => (string?)i["type"] ?? "message"));
        Assert.Equal("user", (string?)input[0]["role"]);
        // The complete copy from output_item.done (output_item.added carries only a truncated placeholder).
        Assert.StartsWith("gAAAAB-fake-", (string?)input[1]["encrypted_content"]);
        Assert.EndsWith(Convert.ToBase64String("The note must exist first."u8.ToArray()), (string?)input[1]["encrypted_content"]);
        Assert.Equal("The note must exist first.", (string?)input[1]["summary"]![0]!["text"]);
        Assert.Equal("I will write the note.", (string?)input[2]["content"]![0]!["text"]);
        Assert.Equal("write_file", (string?)input[3]["name"]);
        Assert.Equal((string?)input[3]["call_id"], (string?)input[4]["call_id"]);
        Assert.Contains("Created note.txt", (string?)input[4]["output"]);

        // Turn 3 still carries turn 1's reasoning verbatim, and turn 2's.
        var third = bodies[2]["input"]!.AsArray().Select(i => i!.AsObject()).ToList();
        Assert.Equal((string?)input[1]["encrypted_content"], (string?)third[1]["encrypted_content"]);
        var reasoning = third.Where(i => (string?)i["type"] == "reasoning").ToList();
        Assert.Equal(2, reasoning.Count);
        Assert.NotEqual((string?)reasoning[0]["encrypted_content"], (string?)reasoning[1]["encrypted_content"]);
        var calls = third.Where(i => (string?)i["type"] == "function_call").Select(i => (string?)i["call_id"]).ToList();
        Assert.Equal(calls, third.Where(i => (string?)i["type"] == "function_call_output").Select(i => (string?)i["call_id"]));
    }

    [Fact]
    public async Task Gpt4o_GoesToChatCompletionsWithNestedToolCallsAndToolMessages()
    {
        var (run, requests) = await RunTask("gpt-4o");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("/v1/chat/completions", r.Path));
        var messages = JsonNode.Parse(requests[2].Body)!["messages"]!.AsArray().Select(m => m!.AsObject()).ToList();
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool"], messages.Select(m => (string?)m["role"]));
        var call = messages[2]["tool_calls"]![0]!;
        Assert.Equal(("function", "write_file"), ((string?)call["type"], (string?)call["function"]!["name"]));
        Assert.Equal((string?)call["id"], (string?)messages[3]["tool_call_id"]);
        Assert.Equal("gpt-4o", (string?)JsonNode.Parse(requests[0].Body)!["model"]);
    }
}

public class WatchTests
{
    [Fact]
    public async Task Run_Watch_StreamsThatSessionsDeltasToStderrAsTheyArrive()
    {
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", Cli.NewTempDir(),
            "--fleet-id", "w", "--watch", "w:add-todo:1"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[w:add-todo:1 turn 3 text] Appending the new item after the last one.", run.Stderr);
        Assert.Contains("[w:add-todo:1 turn 2 tool_arguments call_1_0_", run.Stderr);
        Assert.DoesNotContain("[w:fix-greeting", run.Stderr);
    }

    [Fact]
    public async Task Run_WatchUnknownSession_ExitsTwo()
    {
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", Cli.NewTempDir(),
            "--fleet-id", "w", "--watch", "w:nope:0"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--watch: no session 'w:nope:0'", run.Stderr);
    }
}
