using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>A session that outgrows its model's context window, against FakeLlm enforcing one (<c>context_window</c>):
/// without context management the server's <c>context_length_exceeded</c> ends it, said plainly and never retried.</summary>
public class ContextWindowTests
{
    [Fact]
    public async Task ASessionPastTheContextWindow_FailsWithTheServersReason_WithoutARetry()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "notes.txt"), string.Concat(Enumerable.Repeat("a line of notes to read again\n", 40)));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"), """{"id": "long", "prompt": "read it again and again", "workspace": "template", "max_turns": 40}""" + "\n");
        var reads = string.Join(", ", Enumerable.Repeat("""{ "tool_calls": [ { "name": "read_file", "arguments": { "path": "notes.txt" } } ] }""", 30));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse($$"""{ "scenarios": [ { "context_window": 2000, "turns": [ {{reads}}, { "content": "Done." } ] } ] }"""));
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "ctx"],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" });

        Assert.Equal(ExitCodes.SessionsFailed, run.ExitCode);
        var trace = (await Cli.RunAsync(["trace", "ctx:long:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var failed = trace.Single(l => (string?)l["type"] == "model_request_failed")["data"]!;
        Assert.Equal((400, false), ((int?)failed["http_status"], (bool)failed["will_retry"]!));
        Assert.Contains("context_length_exceeded", (string?)failed["error"]);
        Assert.Contains("maximum context length is 2000 tokens", (string?)trace.Single(l => (string?)l["type"] == "session_failed")["data"]!["error"]);
        var answered = trace.Count(l => (string?)l["type"] == "model_response_received");
        Assert.InRange(answered, 3, 29); // it ran until its transcript outgrew the window
        Assert.Equal(answered + 1, model.Requests.Count); // the refused request was sent once
    }

    [Fact]
    public async Task A300TurnSession_UnderTrim_Completes_EachCompactionJournaled_WhereWithoutItTheServerRefusesIt()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "notes.txt"), string.Concat(Enumerable.Repeat("a line of notes to read again and again\n", 75)));
        const string context = """{"window_tokens": 40000, "strategy": "STRATEGY", "keep_last_turns": 4}""";
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            $$"""{"id": "trimmed", "prompt": "read it again and again", "workspace": "template", "max_turns": 310, "context": {{context.Replace("STRATEGY", "trim")}}}""",
            $$"""{"id": "untrimmed", "prompt": "read it again and again", "workspace": "template", "max_turns": 310, "context": {{context.Replace("STRATEGY", "none")}}}""",
        ]);
        var reads = string.Join(", ", Enumerable.Repeat("""{ "tool_calls": [ { "name": "read_file", "arguments": { "path": "notes.txt" } } ] }""", 299));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse($$"""{ "scenarios": [ { "context_window": 40000, "turns": [ {{reads}}, { "content": "Done." } ] } ] }"""),
            keepRequests: false);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "long"],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" }, timeout: TimeSpan.FromMinutes(5));

        Assert.Equal(ExitCodes.SessionsFailed, run.ExitCode); // the untrimmed one
        var rows = JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "long", "--data-dir", data, "--json"])).Stdout)!.AsArray()
            .ToDictionary(r => (string)r!["task_id"]!, r => ((string?)r!["status"], (string?)r["stop_reason"], (int)r["turns"]!));
        Assert.Equal(("completed", "done", 300), rows["trimmed"]);
        Assert.Equal("failed", rows["untrimmed"].Item1);
        Assert.InRange(rows["untrimmed"].Item3, 10, 60); // refused once its transcript outgrew the window
        var trace = (await Cli.RunAsync(["trace", "long:trimmed:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var compactions = trace.Where(l => (string?)l["type"] == "context_compacted").Select(l => l["data"]!).ToList();
        Assert.True(compactions.Count >= 10, $"{compactions.Count} compactions");
        Assert.All(compactions, c =>
        {
            Assert.Equal("trim", (string?)c["strategy"]);
            Assert.True((int)c["tokens_after"]! < (int)c["tokens_before"]!);
            Assert.True((int)c["tokens_before"]! > 40000 * 0.85);
            Assert.All(c["removed"]!.AsArray(), r => Assert.Equal("read_file", (string?)r!["tool"]));
        });
        // Every request stayed within the window: the server refused none.
        Assert.DoesNotContain(trace, l => (string?)l["type"] == "model_request_failed");
    }

    [Fact]
    public async Task KilledRightAfterACompaction_TheResumedSessionGoesOnFromIt_AndAForkBeforeItCompactsAgain()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "notes.txt"), string.Concat(Enumerable.Repeat("a line of notes to read again and again\n", 75)));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            """{"id": "t", "prompt": "read it again and again", "workspace": "template", "max_turns": 40, "context": {"window_tokens": 12000, "strategy": "trim", "keep_last_turns": 2}}""" + "\n");
        string Script(int slowTurn) => $$"""{ "scenarios": [ { "context_window": 12000, "turns": [ {{string.Join(", ", Enumerable.Range(1, 29).Select(i =>
            $$$"""{ "tool_calls": [ { "name": "read_file", "arguments": { "path": "notes.txt" } } ]{{{(i == slowTurn ? ", \"delay_ms\": 60000" : "")}}} }"""))}}, { "content": "Done." } ] } ] }""";
        var env = new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" };
        List<JsonNode> Lines(CliResult r) => [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];

        // An uninterrupted run: where the first compaction comes, and what the session ends with.
        await using var steady = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(0)));
        var baseline = Path.Combine(dir, "baseline");
        Assert.Equal(0, (await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", steady.BaseUrl.ToString(), "--data-dir", baseline, "--fleet-id", "b"], environment: env)).ExitCode);
        var unkilled = Lines(await Cli.RunAsync(["trace", "b:t:0", "--data-dir", baseline]));
        var first = unkilled.First(l => (string?)l["type"] == "context_compacted");
        var compactedTurn = (int)unkilled.First(l => (string?)l["type"] == "model_request_started" && (long)l["seq"]! == (long)first["seq"]!)["data"]!["turn"]!;

        // The same session killed while the request journaled with that compaction is in flight (its answer takes a minute).
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(compactedTurn)));
        var data = Path.Combine(dir, "data");
        using (var run = Cli.Start(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "k"]))
        {
            await model.WhenRequestsReach(compactedTurn).WaitAsync(TimeSpan.FromMinutes(2));
            run.Kill();
            await run.WaitForExitAsync();
        }
        var atKill = Lines(await Cli.RunAsync(["trace", "k:t:0", "--data-dir", data]));
        Assert.Single(atKill, l => (string?)l["type"] == "context_compacted");
        Assert.DoesNotContain(atKill, l => (string?)l["type"] == "model_response_received" && (int)l["data"]!["turn"]! == compactedTurn);
        await using var fast = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(0)));
        var resumed = await Cli.RunAsync(["resume", "k", "--data-dir", data, "--base-url", fast.BaseUrl.ToString()], environment: env);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var after = Lines(await Cli.RunAsync(["trace", "k:t:0", "--data-dir", data]));
        Assert.Equal(unkilled.Count(l => (string?)l["type"] == "context_compacted"), after.Count(l => (string?)l["type"] == "context_compacted"));
        Assert.Equal(Removed(unkilled), Removed(after)); // the same results trimmed, at the same points
        Assert.DoesNotContain(after, l => (string?)l["type"] == "model_request_failed");

        // A fork from before the first compaction makes it again, as the parent did.
        var before = (long)first["seq"]! - 1;
        var fork = await Cli.RunAsync(["fork", "b:t:0", "--at", before.ToString(), "--fleet-id", "f", "--base-url", steady.BaseUrl.ToString(), "--data-dir", baseline], environment: env);
        Assert.True(fork.ExitCode == 0, fork.ToString());
        var forked = Lines(await Cli.RunAsync(["trace", "f:t:0", "--data-dir", baseline]));
        Assert.Equal((string?)first["data"]!["removed"]!.ToJsonString(), (string?)forked.First(l => (string?)l["type"] == "context_compacted")["data"]!["removed"]!.ToJsonString());
    }

    private static List<string> Removed(List<JsonNode> trace) =>
        [.. trace.Where(l => (string?)l["type"] == "context_compacted").Select(l => l["data"]!["removed"]!.ToJsonString())];

    [Fact]
    public async Task WhenTheServerRefusesARequestAsTooLarge_TrimMakesRoomAndSendsItOnceMore()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "notes.txt"), string.Concat(Enumerable.Repeat("a line of notes to read again and again\n", 75)));
        // The task thinks the model has 100,000 tokens; the server has 12,000: the estimate never triggers, the server refuses.
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            """{"id": "t", "prompt": "read it again and again", "workspace": "template", "max_turns": 40, "context": {"window_tokens": 100000, "strategy": "trim", "keep_last_turns": 2}}""" + "\n");
        var reads = string.Join(", ", Enumerable.Repeat("""{ "tool_calls": [ { "name": "read_file", "arguments": { "path": "notes.txt" } } ] }""", 29));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse($$"""{ "scenarios": [ { "context_window": 12000, "turns": [ {{reads}}, { "content": "Done." } ] } ] }"""));
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "r"],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" });

        Assert.True(run.ExitCode == 0, run.ToString());
        var trace = (await Cli.RunAsync(["trace", "r:t:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var refusals = trace.Where(l => (string?)l["type"] == "model_request_failed").Select(l => l["data"]!).ToList();
        var compactions = trace.Where(l => (string?)l["type"] == "context_compacted").Select(l => l["data"]!).ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, r => Assert.Contains("context_length_exceeded", (string?)r["error"]));
        Assert.Equal(refusals.Select(r => (int)r["turn"]!), compactions.Select(c => (int)c["for_turn"]!)); // each refusal made room once
        Assert.Equal("completed", (string?)JsonNode.Parse(File.ReadAllLines(Path.Combine(data, "fleets", "r", "trajectories.jsonl")).Single())!["status"]);
    }
}
