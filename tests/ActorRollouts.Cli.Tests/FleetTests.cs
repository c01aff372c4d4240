using System.Text;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

public class FleetTests
{
    [Fact]
    public async Task Run_HundredSessionsAtConcurrencyTen_AllCompleteAndTheServerNeverSeesMoreThanTenInFlight()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, Enumerable.Range(0, 10).Select(i => $$"""{"id":"t{{i}}","prompt":"task {{i}}","samples":10}"""));
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"delay_ms":300,"turns":[{"content":"done"}]}]}"""));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "10", "--data-dir", Path.Combine(dir, "data"), "--fleet-id", "hundred"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("100 sessions: 100 completed", run.Stdout);
        Assert.Equal(100, server.Requests.Count);
        Assert.Equal(10, server.MaxInFlight);
        Assert.Equal(100, File.ReadAllLines(Path.Combine(dir, "data", "fleets", "hundred", "trajectories.jsonl")).Length);
    }

    [Fact]
    public async Task Run_ApiKeyFromEnvironment_IsSentButAppearsNowhereInJournalLogsOrOutputs()
    {
        var secret = "sk-test-" + Guid.NewGuid().ToString("n");
        var dir = Cli.NewTempDir();
        var dataDir = Path.Combine(dir, "data");
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"a","prompt":"write it","tools":["write_file"]}"""]);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            {"scenarios":[{"turns":[{"tool_calls":[{"name":"write_file","arguments":{"path":"x.txt","content":"x"}}]},{"content":"done"}]}]}
            """));
        var env = new Dictionary<string, string?> { ["MY_SECRET_KEY"] = secret };

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--api-key-env", "MY_SECRET_KEY", "--data-dir", dataDir, "--fleet-id", "s"], environment: env);
        var trace = await Cli.RunAsync(["trace", "s:a:0", "--data-dir", dataDir], environment: env);
        var sessions = await Cli.RunAsync(["sessions", "--data-dir", dataDir, "--json"], environment: env);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(server.Requests, r => Assert.Equal($"Bearer {secret}", r.Authorization));
        foreach (var output in new[] { run, trace, sessions })
            Assert.DoesNotContain(secret, output.Stdout + output.Stderr);
        var files = Directory.EnumerateFiles(dataDir, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("journal.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith(".log", StringComparison.Ordinal));
        foreach (var file in files)
            Assert.False(Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file)).Contains(secret), $"the key leaked into {file}");
        Assert.Contains("MY_SECRET_KEY", trace.Stdout); // the variable's name is recorded, never its value
    }
}

public class UsageTotalsTests
{
    [Fact]
    public async Task Sessions_UsageAndCostTotals_EqualTheSumsOfWhatTheServerReported()
    {
        var dir = Cli.NewTempDir();
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Load(Path.Combine(Cli.RepoRoot, "examples", "fake-llm.json")));

        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--base-url", server.BaseUrl.ToString(), "--model", "gpt-4o",
            "--data-dir", Path.Combine(dir, "data"), "--fleet-id", "usage"]);
        var sessions = await Cli.RunAsync(["sessions", "--fleet", "usage", "--data-dir", Path.Combine(dir, "data"), "--json"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var rows = System.Text.Json.Nodes.JsonNode.Parse(sessions.Stdout)!.AsArray();
        var reported = server.Requests.Select(r => r.ReportedUsage!).ToList();
        Assert.Equal(reported.Sum(u => (long)u.PromptTokens), rows.Sum(r => (long)r!["input_tokens"]!));
        Assert.Equal(reported.Sum(u => (long)u.CompletionTokens), rows.Sum(r => (long)r!["output_tokens"]!));
        // gpt-4o at the shipped list price: $2.50 per million input tokens, $10.00 per million output tokens.
        var expectedCost = reported.Sum(u => (u.PromptTokens * 2.50m + u.CompletionTokens * 10.00m) / 1_000_000m);
        Assert.Equal(expectedCost, rows.Sum(r => (decimal)r!["cost_usd"]!));
        Assert.True(expectedCost > 0);
    }
}
