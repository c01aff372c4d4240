using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary><c>stats</c> and <c>export</c> on the example fleet, whose numbers are known from its script.</summary>
public class AnalysisTests
{
    private static async Task<string> ExampleFleet(string fleetId)
    {
        var data = Cli.NewTempDir();
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", data, "--fleet-id", fleetId]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return data;
    }

    [Fact]
    public async Task Stats_ExampleFleet_GivesTheNumbersItsScriptImplies()
    {
        var data = await ExampleFleet("st");

        var stats = JsonNode.Parse((await Cli.RunAsync(["stats", "--fleet", "st", "--data-dir", data, "--json"])).Stdout)!;

        Assert.Equal(6, (int)stats["sessions"]!);
        Assert.Equal(6, (int)stats["by_status"]!["completed"]!);
        Assert.Equal(6, (int)stats["by_stop_reason"]!["done"]!);
        Assert.Equal((24.0, 4.0, 4.0), ((double)stats["turns"]!["total"]!, (double)stats["turns"]!["p50"]!, (double)stats["turns"]!["p95"]!));
        // fix-greeting: read, edit, read; add-todo: list, read, edit; summarize-notes: list, read, read, write — two samples each.
        Assert.Equal("""{"edit_file":4,"list_files":4,"read_file":10,"write_file":2}""", stats["tool_calls_by_tool"]!.ToJsonString());
        Assert.Equal("""{"ok":20}""", stats["tool_calls_by_error_code"]!.ToJsonString());
        Assert.Equal(1.0, (double)stats["files_edited_per_trajectory"]!["mean"]!);
        // greeting: +1 -1 each; TODO: +1 each; summary.md: +2 each.
        Assert.Equal((8, 2), ((int)stats["diff_lines_added"]!, (int)stats["diff_lines_removed"]!));
        Assert.True((double)stats["input_tokens"]!["total"]! > 0);
        Assert.Null(stats["reward"]);
    }

    [Fact]
    public async Task Export_OpenAiChat_NestsToolCallsHasToolMessagesAndTheToolsOnOffer()
    {
        var data = await ExampleFleet("ex");

        var export = await Cli.RunAsync(["export", "--fleet", "ex", "--format", "openai-chat", "--data-dir", data]);

        var records = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(6, records.Count);
        var greeting = records.First(r => r["messages"]![1]!["content"]!.ToString().StartsWith("Fix the spelling", StringComparison.Ordinal));
        var messages = greeting["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant", "tool", "assistant"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal(("function", "read_file"), ((string?)messages[2]!["tool_calls"]![0]!["type"], (string?)messages[2]!["tool_calls"]![0]!["function"]!["name"]));
        Assert.Equal((string?)messages[2]!["tool_calls"]![0]!["id"], (string?)messages[3]!["tool_call_id"]);
        Assert.Equal(["read_file", "edit_file", "write_file"], greeting["tools"]!.AsArray().Select(t => (string?)t!["function"]!["name"]));
        Assert.Equal("object", (string?)greeting["tools"]![0]!["function"]!["parameters"]!["type"]);
    }

    [Theory]
    [InlineData(new[] { "--status", "completed" }, 6)]
    [InlineData(new[] { "--status", "failed" }, 0)]
    [InlineData(new[] { "--max-diff-lines", "1" }, 2)]   // only add-todo's one-line insertion
    [InlineData(new[] { "--min-reward", "0" }, 0)]       // no grader ran, so nothing qualifies
    public async Task Export_Filters_SelectTheExpectedSessions(string[] filter, int expected)
    {
        var data = await ExampleFleet("fl");

        var export = await Cli.RunAsync(["export", "--fleet", "fl", "--data-dir", data, .. filter]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(expected, export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains($"exported {expected} of 6 sessions", export.Stderr);
    }
}
