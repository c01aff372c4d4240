using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary>The README's main command, end to end: the real CLI, the example fleet, the embedded SQLite journal.</summary>
public class ExampleFleetTests
{
    [Fact]
    public async Task Run_ReadmeMainCommand_CompletesTheExampleFleetAndTheJournalHoldsEveryStepInOrder()
    {
        var dataDir = Cli.NewTempDir();

        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", dataDir, "--fleet-id", "demo"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("6 sessions: 6 completed", run.Stdout);
        var trajectories = File.ReadAllLines(Path.Combine(dataDir, "fleets", "demo", "trajectories.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(6, trajectories.Count);
        Assert.All(trajectories, t => Assert.Equal(("completed", "done"), ((string?)t["status"], (string?)t["stop_reason"])));

        foreach (var trajectory in trajectories)
        {
            var sessionId = (string)trajectory["session_id"]!;
            var trace = await Cli.RunAsync(["trace", sessionId, "--data-dir", dataDir]);
            Assert.True(trace.ExitCode == 0, trace.ToString());
            var lines = trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();

            Assert.Equal(("metadata", sessionId), ((string?)lines[0]["_type"], (string?)lines[0]["session_id"]));
            // Every journal row in order, none missing; the lines of one coarse row (a model's answer, a tool call's end)
            // share its sequence number.
            var seqs = lines.Select(l => (long)l["seq"]!).ToList();
            Assert.Equal(seqs.Order(), seqs);
            Assert.Equal(Enumerable.Range(1, (int)seqs[^1]).Select(i => (long)i), seqs.Distinct());
            // Every message of the trajectory is in the journal, in the same order.
            var traced = lines.Where(l => (string?)l["_type"] == "message").Select(l => ((string?)l["role"], (string?)l["content"]));
            var expected = trajectory["messages"]!.AsArray().Select(m => ((string?)m!["role"], (string?)m["content"]));
            Assert.Equal(expected, traced);
            // Every tool call started was completed, and the session ended once.
            var events = lines.Where(l => (string?)l["_type"] == "event").Select(l => (string)l["type"]!).ToList();
            Assert.Equal(events.Count(e => e == "tool_call_started"), events.Count(e => e == "tool_call_completed"));
            Assert.Equal("session_completed", events[^1]);
        }

        var greeting = File.ReadAllText(Path.Combine(await Cli.WorkspaceAsync(dataDir, "demo:fix-greeting:0"), "greeting.txt"));
        Assert.StartsWith("Hello, world!", greeting);
        Assert.Contains("- [ ] Resume fleets after a crash", File.ReadAllText(Path.Combine(await Cli.WorkspaceAsync(dataDir, "demo:add-todo:1"), "TODO.md")));
        Assert.True(File.Exists(Path.Combine(await Cli.WorkspaceAsync(dataDir, "demo:summarize-notes:0"), "summary.md")));
        Assert.True(new FileInfo(Path.Combine(dataDir, "logs", "actor-rollouts.log")).Length > 0);
    }

    [Fact]
    public async Task Sessions_AfterARun_ListsOneRowPerSessionWithEveryColumn()
    {
        var dataDir = Cli.NewTempDir();
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", dataDir, "--fleet-id", "listed"]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var sessions = await Cli.RunAsync(["sessions", "--fleet", "listed", "--data-dir", dataDir, "--json"]);

        Assert.True(sessions.ExitCode == 0, sessions.ToString());
        var rows = JsonNode.Parse(sessions.Stdout)!.AsArray();
        Assert.Equal(6, rows.Count);
        foreach (var row in rows)
        {
            foreach (var column in new[] { "session_id", "fleet_id", "task_id", "sample", "status", "stop_reason", "turns", "input_tokens", "output_tokens", "started_at", "ended_at" })
                Assert.True(row!.AsObject().ContainsKey(column), $"missing {column} in {row}");
            Assert.Equal("completed", (string?)row!["status"]);
            Assert.True((int)row["turns"]! >= 4);
            Assert.True((long)row["input_tokens"]! > 0 && (long)row["output_tokens"]! > 0);
        }
        Assert.Equal(["add-todo", "add-todo", "fix-greeting", "fix-greeting", "summarize-notes", "summarize-notes"],
            rows.Select(r => (string)r!["task_id"]!).Order());
    }
}
