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

    [Fact]
    public async Task GraderThatCannotStart_JournalsGradingFailedRecordsNoRewardAndIsCountedAndLeftOutOfExports()
    {
        var dir = Cli.NewTempDir();
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            """{"id":"broken","prompt":"hi","grader":{"command":"no-such-grader --strict"}}""",
            """{"id":"fine","prompt":"hi","grader":{"command":"true"}}""",
        ]);
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }""");
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "gf"]);
        var rows = JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "gf", "--data-dir", data, "--json"])).Stdout)!.AsArray()
            .ToDictionary(r => (string)r!["task_id"]!, r => r!);
        var trace = (await Cli.RunAsync(["trace", "gf:broken:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var stats = JsonNode.Parse((await Cli.RunAsync(["stats", "--fleet", "gf", "--data-dir", data, "--json"])).Stdout)!;
        var statsText = (await Cli.RunAsync(["stats", "--fleet", "gf", "--data-dir", data])).Stdout;
        var export = await Cli.RunAsync(["export", "--fleet", "gf", "--min-reward", "0", "--data-dir", data]);

        Assert.True(run.ExitCode == 0, run.ToString()); // the session itself completed; only its grade is missing
        Assert.Null(rows["broken"]["reward"]);
        Assert.Equal(1.0, (double?)rows["fine"]["reward"]);
        var failed = trace.Single(l => (string?)l["type"] == "grading_failed")["data"]!;
        Assert.Equal(("no-such-grader --strict", "the grader could not start (exit code 127: command not found)"), ((string?)failed["grader"], (string?)failed["reason"]));
        Assert.DoesNotContain(trace, l => (string?)l["type"] == "reward_assigned");
        Assert.Equal((1, 1), ((int)stats["graded"]!, (int)stats["grading_failed"]!));
        Assert.Contains("grading       1 failed", statsText);
        Assert.Equal(["fine"], export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (string?)JsonNode.Parse(l)!["task_id"]));
        var trajectory = File.ReadAllLines(Path.Combine(data, "fleets", "gf", "trajectories.jsonl")).Select(l => JsonNode.Parse(l)!).Single(t => (string?)t["task_id"] == "broken");
        Assert.Equal("the grader could not start (exit code 127: command not found)", (string?)trajectory["grading_error"]);
    }

    [Fact]
    public async Task GradersWithoutBubblewrap_StopTheRunAtStartUpInsteadOfRecordingWrongRewards()
    {
        var dir = Cli.NewTempDir();
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), ["""{"id":"g","prompt":"hi","grader":{"command":"true"}}"""]);

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", "examples/fake-llm.json", "--data-dir", Path.Combine(dir, "data")],
            environment: new Dictionary<string, string?> { ["PATH"] = Cli.NewTempDir() });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("the graders run under bubblewrap, which is not installed (apt-get install bubblewrap), or pass --sandbox none", run.Stderr);
    }
}
