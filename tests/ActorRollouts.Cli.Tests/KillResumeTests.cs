using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>The same 40-session × 4-turn fleet, once uninterrupted and once killed with SIGKILL part-way and resumed.</summary>
public sealed class UninterruptedFleet : IAsyncLifetime
{
    public const string Script = """
        { "scenarios": [ { "delay_ms": 100, "turns": [
            { "content": "Reading first.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
            { "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
            { "tool_calls": [ { "name": "search", "arguments": { "pattern": "alpha" } } ] },
            { "content": "All read." } ] } ] }
        """;

    public const int Sessions = 40;
    public const int Turns = 4;

    public string Tasks { get; private set; } = "";
    public Dictionary<string, List<string>> Transcripts { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "a.txt"), "alpha\nbeta\n");
        Tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(Tasks, Enumerable.Range(0, Sessions).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"task number {{i}}","workspace":"template","tools":["read_file","list_files","search"]}"""));
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var run = await Cli.RunAsync(["run", Tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "8", "--data-dir", Path.Combine(dir, "data"), "--fleet-id", "base"]);
        if (run.ExitCode != 0) throw new InvalidOperationException(run.ToString());
        Transcripts = KillResumeTests.ReadTranscripts(Path.Combine(dir, "data", "fleets", "base", "trajectories.jsonl"));
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public class KillResumeTests(UninterruptedFleet baseline) : IClassFixture<UninterruptedFleet>
{
    /// <summary>Role, content and tool calls of every message, per task: what a trainer reads (ids and times ignored).</summary>
    public static Dictionary<string, List<string>> ReadTranscripts(string trajectoriesFile) =>
        File.ReadAllLines(trajectoriesFile).Select(l => JsonNode.Parse(l)!).ToDictionary(
            t => (string)t["task_id"]!,
            t => t["messages"]!.AsArray().Select(m =>
                $"{m!["role"]}|{m["content"]}|{string.Join(",", m["tool_calls"]?.AsArray().Select(c => $"{c!["name"]}{c["arguments"]}") ?? [])}|{m["tool_result"]?["ok"]}").ToList());

    [Theory]
    [InlineData(1)]    // early: the first model calls are in flight
    [InlineData(30)]   // first sessions mid-way
    [InlineData(80)]   // mid-fleet
    [InlineData(120)]  // most sessions done
    [InlineData(155)]  // near the end (160 calls in all)
    public async Task Fleet_KilledWithSigkillAndResumed_CompletesLikeAnUninterruptedRunWithAtMostOneRepeatedCallPerTurn(int killAfterRequests)
    {
        var dir = Cli.NewTempDir();
        var data = Path.Combine(dir, "data");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(UninterruptedFleet.Script));
        using var first = Cli.Start(["run", baseline.Tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "8", "--data-dir", data, "--fleet-id", "k"]);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (server.Requests.Count < killAfterRequests && !first.HasExited)
                await Task.Delay(5, deadline.Token); // poll the server's own log for the kill point
        }
        first.Kill(); // SIGKILL: no shutdown, no flush, nothing
        await first.WaitForExitAsync();
        Assert.True(server.Requests.Count < UninterruptedFleet.Sessions * UninterruptedFleet.Turns, "killed before the fleet finished");

        var sessions = await Cli.RunAsync(["sessions", "--fleet", "k", "--data-dir", data, "--json"]);
        Assert.DoesNotContain("\"running\"", sessions.Stdout); // the killed process holds no session any more
        var resume = await Cli.RunAsync(["resume", "k", "--data-dir", data]);

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"{UninterruptedFleet.Sessions} sessions: {UninterruptedFleet.Sessions} completed", resume.Stdout);
        var perTurn = server.Requests.Where(r => r.Turn is not null)
            .GroupBy(r => (Prompt: JsonNode.Parse(r.Body)!["messages"]!.AsArray().First(m => (string?)m!["role"] == "user")!["content"]!.ToString(), r.Turn))
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(UninterruptedFleet.Sessions * UninterruptedFleet.Turns, perTurn.Count);
        Assert.All(perTurn, kv => Assert.True(kv.Value <= 2, $"{kv.Key} was asked {kv.Value} times"));
        var resumed = ReadTranscripts(Path.Combine(data, "fleets", "k", "trajectories.jsonl"));
        Assert.Equal(baseline.Transcripts.Keys.Order(), resumed.Keys.Order());  // every finished session exactly once
        foreach (var (task, transcript) in baseline.Transcripts)
            Assert.Equal(transcript, resumed[task]);
    }
}

public class CtrlCTests(UninterruptedFleet baseline) : IClassFixture<UninterruptedFleet>
{
    [Fact]
    public async Task CtrlC_DuringARun_Exits130WithSessionsInterruptedAndResumeCompletesTheFleet()
    {
        var data = Path.Combine(Cli.NewTempDir(), "data");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(UninterruptedFleet.Script));
        using var run = Cli.Start(["run", baseline.Tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "8", "--data-dir", data, "--fleet-id", "c"]);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while (server.Requests.Count < 10 && !run.HasExited)
                await Task.Delay(5, deadline.Token); // poll the server's own log for the moment to interrupt
        }

        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", run.Id.ToString()])) await interrupt.WaitForExitAsync();
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, run.ExitCode);
        var statuses = System.Text.Json.Nodes.JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "c", "--data-dir", data, "--json"])).Stdout)!
            .AsArray().Select(r => (string)r!["status"]!).ToList();
        Assert.Contains("interrupted", statuses);
        Assert.DoesNotContain("running", statuses);
        var resume = await Cli.RunAsync(["resume", "c", "--data-dir", data]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"{UninterruptedFleet.Sessions} sessions: {UninterruptedFleet.Sessions} completed", resume.Stdout);
    }
}
