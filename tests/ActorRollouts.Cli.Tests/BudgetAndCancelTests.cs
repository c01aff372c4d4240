using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>Budgets by tokens, dollars and seconds each stop their session with stop_reason budget; <c>cancel</c> stops a
/// running session with cancelled, killing its command; the rest of the fleet is untouched.</summary>
public class BudgetAndCancelTests
{
    /// <summary>Sessions that would read for 30 turns, one that sleeps a minute, one that would sleep ten, one that is quick.</summary>
    private static string Script(string cancelMarker) => $$$"""
        { "scenarios": [
          { "match": "read forever", "turns": [ {{{string.Join(", ", Enumerable.Repeat("""{ "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] }""", 30))}}}, { "content": "read it all" } ] },
          { "match": "sleep a minute", "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "touch slept.txt; sleep 60", "timeout_s": 100 } } ] }, { "content": "woke up" } ] },
          { "match": "wait to be cancelled", "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "touch waiting.txt; exec -a {{{cancelMarker}}} sleep 600", "timeout_s": 100 } } ] }, { "content": "never" } ] },
          { "turns": [ { "content": "Done." } ] } ] }
        """;

    [Fact]
    public async Task BudgetsByTokensCostAndSeconds_StopTheirSessions_CancelStopsARunningOne_TheRestCompletes()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "a.txt"), "alpha\n");
        var marker = $"ar-cancel-e2e-{Guid.NewGuid():n}"[..26];
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), Script(marker));
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            """{"id":"tokens","prompt":"read forever","workspace":"template","budget":{"tokens":2000}}""",
            """{"id":"cost","prompt":"read forever","workspace":"template","budget":{"cost_usd":0.003}}""",
            """{"id":"seconds","prompt":"sleep a minute","tools":["bash"],"budget":{"seconds":2}}""",
            """{"id":"cancelled","prompt":"wait to be cancelled","tools":["bash"]}""",
            """{"id":"quick","prompt":"quick one"}""",
        ]);
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        using var waiting = new FileAppears(data, "waiting.txt");

        using var run = Cli.Start(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data,
            "--fleet-id", "b", "--concurrency", "5"]);
        await waiting.Seen.WaitAsync(TimeSpan.FromMinutes(2));
        var cancel = await Cli.RunAsync(["cancel", "b:cancelled:0", "--data-dir", data, "--reason", "the test is done waiting"]);
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Contains("the process running fleet b stops the session now", cancel.Stdout);
        Assert.Equal(0, run.ExitCode);
        var rows = JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "b", "--data-dir", data, "--json"])).Stdout)!.AsArray()
            .ToDictionary(r => (string)r!["task_id"]!, r => (Status: (string?)r!["status"], Stop: (string?)r!["stop_reason"], Turns: (int)r!["turns"]!));
        Assert.Equal(("completed", "budget"), (rows["tokens"].Status, rows["tokens"].Stop));
        Assert.Equal(("completed", "budget"), (rows["cost"].Status, rows["cost"].Stop));
        Assert.Equal(("completed", "budget"), (rows["seconds"].Status, rows["seconds"].Stop));
        Assert.Equal(("completed", "cancelled"), (rows["cancelled"].Status, rows["cancelled"].Stop));
        Assert.Equal(("completed", "done"), (rows["quick"].Status, rows["quick"].Stop));
        Assert.InRange(rows["tokens"].Turns, 2, 29);
        Assert.InRange(rows["cost"].Turns, 2, 29);
        Assert.Empty(ProcessTable.Mentioning(marker)); // the cancelled session's command was killed

        var ends = new Dictionary<string, JsonNode>();
        foreach (var task in new[] { "tokens", "cost", "seconds", "cancelled" })
            ends[task] = Trace(await Cli.RunAsync(["trace", $"b:{task}:0", "--data-dir", data])).Single(l => (string?)l["type"] == "session_completed")["data"]!;
        Assert.StartsWith("token budget of 2,000 reached", (string?)ends["tokens"]["detail"]);
        Assert.StartsWith("cost budget of $0.003 reached", (string?)ends["cost"]["detail"]);
        Assert.StartsWith("time budget of 2 s reached", (string?)ends["seconds"]["detail"]);
        Assert.Equal("the test is done waiting", (string?)ends["cancelled"]["detail"]);
        // The calls the stops cut short were answered, so each transcript is whole.
        var seconds = Trace(await Cli.RunAsync(["trace", "b:seconds:0", "--data-dir", data]));
        var cut = seconds.Single(l => (string?)l["type"] == "tool_call_completed")["data"]!;
        Assert.Equal(("bash", "E_CANCELLED"), ((string?)cut["name"], (string?)cut["error_code"]));
        var trajectories = File.ReadAllLines(Path.Combine(data, "fleets", "b", "trajectories.jsonl")).Select(l => JsonNode.Parse(l)!)
            .ToDictionary(t => (string)t["task_id"]!, t => (string?)t["stop_reason"]);
        Assert.Equal(new Dictionary<string, string?> { ["tokens"] = "budget", ["cost"] = "budget", ["seconds"] = "budget", ["cancelled"] = "cancelled", ["quick"] = "done" },
            trajectories);
        var stats = JsonNode.Parse((await Cli.RunAsync(["stats", "--fleet", "b", "--data-dir", data, "--json"])).Stdout)!["by_stop_reason"]!;
        Assert.Equal((3, 1, 1), ((int)stats["budget"]!, (int)stats["cancelled"]!, (int)stats["done"]!));
    }

    [Fact]
    public async Task Cancel_OfAFleetThatIsNotRunning_IsAppliedWhenItIsResumed()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"first","prompt":"one"}""", """{"id":"second","prompt":"two"}"""]);
        var data = Path.Combine(dir, "data");
        await using var slow = await FakeLlmServer.StartAsync(FakeScript.Parse("""{ "scenarios": [ { "turns": [ { "delay_ms": 60000, "content": "late" } ] } ] }"""));
        var run = Cli.Start(["run", tasks, "--base-url", slow.BaseUrl.ToString(), "--fleet-id", "c", "--data-dir", data, "--concurrency", "1"]);
        await slow.WhenRequestsReach(1).WaitAsync(TimeSpan.FromMinutes(2));
        await FleetSettingsTests.KillHard(run);

        var cancelFirst = await Cli.RunAsync(["cancel", "c:first:0", "--data-dir", data]);
        var cancelSecond = await Cli.RunAsync(["cancel", "c:second:0", "--data-dir", data]);
        var bad = await Cli.RunAsync(["cancel", "c:third:0", "--data-dir", data]);
        await using var fast = await FakeLlmServer.StartAsync(FakeScript.Parse("""{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }"""));
        var resume = await Cli.RunAsync(["resume", "c", "--data-dir", data, "--base-url", fast.BaseUrl.ToString()]);

        Assert.Contains("fleet c is not running, so the session stops as cancelled when the fleet is resumed", cancelFirst.Stdout);
        Assert.Equal(0, cancelSecond.ExitCode);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("fleet 'c' has no session 'c:third:0'", bad.Stderr);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        var rows = JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "c", "--data-dir", data, "--json"])).Stdout)!.AsArray();
        Assert.All(rows, r => Assert.Equal(("completed", "cancelled"), ((string?)r!["status"], (string?)r!["stop_reason"])));
        Assert.Equal(0, fast.RequestCount); // the started one stopped on resume, the other never started: no model call
        var first = Trace(await Cli.RunAsync(["trace", "c:first:0", "--data-dir", data]));
        Assert.Equal("session_completed", (string?)first[^1]["type"]);   // its own journal says how it ended
    }

    private static List<JsonNode> Trace(CliResult trace) =>
        trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
}
