using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary>A task's grader runs in the sandboxed workspace after the session ends; its reward reaches the journal,
/// <c>sessions --json</c>, the trajectories file and the summary.</summary>
public class GraderTests
{
    [Fact]
    public async Task Grader_RewardLandsInTheJournalSessionsTrajectoriesAndSummary()
    {
        var dir = Cli.NewTempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """
            { "scenarios": [
              { "match": "make it", "turns": [ { "tool_calls": [ { "name": "write_file", "arguments": { "path": "done.txt", "content": "yes\n" } } ] }, { "content": "Made." } ] },
              { "turns": [ { "content": "I did nothing." } ] } ] }
            """);
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            """{"id":"made","prompt":"make it","grader":{"command":"test -f done.txt && grep -q yes done.txt"}}""",
            """{"id":"lazy","prompt":"do nothing","grader":{"command":"test -f done.txt"}}""",
            """{"id":"scored","prompt":"score me","grader":{"command":"echo checking; echo 0.25","reward":"stdout"}}""",
        ]);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "g"]);
        var sessions = await Cli.RunAsync(["sessions", "--fleet", "g", "--data-dir", data, "--json"]);
        var trace = await Cli.RunAsync(["trace", "g:made:0", "--data-dir", data]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var rewards = JsonNode.Parse(sessions.Stdout)!.AsArray().ToDictionary(r => (string)r!["task_id"]!, r => (double?)r!["reward"]);
        Assert.Equal(new Dictionary<string, double?> { ["made"] = 1.0, ["lazy"] = 0.0, ["scored"] = 0.25 }, rewards);
        var trajectories = File.ReadAllLines(Path.Combine(data, "fleets", "g", "trajectories.jsonl")).Select(l => JsonNode.Parse(l)!)
            .ToDictionary(t => (string)t["task_id"]!, t => (double?)t["reward"]);
        Assert.Equal(rewards, trajectories);
        var rewardLine = trace.Stdout.Split('\n').Select(l => l.Length > 0 ? JsonNode.Parse(l) : null).Single(l => (string?)l?["type"] == "reward_assigned")!;
        Assert.Equal((1.0, "test -f done.txt && grep -q yes done.txt"), ((double?)rewardLine["data"]!["reward"], (string?)rewardLine["data"]!["grader"]));
        Assert.Contains("mean reward 0.417 over 3 graded", run.Stdout);
        var stats = JsonNode.Parse((await Cli.RunAsync(["stats", "--fleet", "g", "--data-dir", data, "--json"])).Stdout)!["reward"]!;
        Assert.Equal((0.25 + 1.0) / 3, (double)stats["mean"]!, precision: 10);
        Assert.Equal((0.0, 1.0), ((double)stats["min"]!, (double)stats["max"]!));
        var best = await Cli.RunAsync(["export", "--fleet", "g", "--min-reward", "0.5", "--data-dir", data]);
        Assert.Equal("made", (string?)JsonNode.Parse(best.Stdout.Trim())!["task_id"]);
    }
}
