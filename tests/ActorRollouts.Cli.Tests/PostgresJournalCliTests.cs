using System.Text.Json.Nodes;
using Npgsql;

namespace ActorRollouts.Cli.Tests;

/// <summary>The shared journal from the command line: <c>--journal-url</c> on a real PostgreSQL 15 server
/// (kill and resume on it: <see cref="KillResumeTests"/>, point <c>mid-fleet-on-postgres</c>).</summary>
public class PostgresJournalCliTests
{
    [Fact]
    public async Task ExampleFleet_OnPostgres_IsReadBackByEveryCommandThatReadsTheJournal()
    {
        var dataDir = Cli.NewTempDir();
        string[] journal = ["--data-dir", dataDir, "--journal-url", PostgresServer.Instance.NewDatabaseUrl()];

        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--fleet-id", "demo", .. journal]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("6 sessions: 6 completed", run.Stdout);
        Assert.Contains("journal postgresql://postgres@127.0.0.1:", run.Stderr);
        Assert.False(File.Exists(Path.Combine(dataDir, "journal.db")));

        var sessions = await Cli.RunAsync(["sessions", "--json", .. journal]);
        Assert.True(sessions.ExitCode == 0, sessions.ToString());
        Assert.Equal(Enumerable.Repeat("completed", 6), JsonNode.Parse(sessions.Stdout)!.AsArray().Select(s => (string?)s!["status"]));

        var trace = await Cli.RunAsync(["trace", "demo:fix-greeting:0", .. journal]);
        Assert.True(trace.ExitCode == 0, trace.ToString());
        Assert.Contains("\"type\":\"session_completed\"", trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);

        var stats = await Cli.RunAsync(["stats", "--fleet", "demo", .. journal]);
        Assert.True(stats.ExitCode == 0, stats.ToString());
        Assert.Contains("completed 6", stats.Stdout);

        var export = await Cli.RunAsync(["export", "--fleet", "demo", .. journal]);
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(6, export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var outDir = Path.Combine(Cli.NewTempDir(), "ws");
        var workspace = await Cli.RunAsync(["workspace", "demo:fix-greeting:0", "--out", outDir, .. journal]);
        Assert.True(workspace.ExitCode == 0, workspace.ToString());
        Assert.StartsWith("Hello, world!", await File.ReadAllTextAsync(Path.Combine(outDir, "greeting.txt")));
    }

    /// <summary>What a workspace is made of (the template, and contents too large to journal inline) is in the journal's
    /// database too: another machine, with an empty data dir, rebuilds the same tree.</summary>
    [Fact]
    public async Task Workspace_OnAnotherMachinesEmptyDataDir_IsRebuiltFromTheDatabase_TemplateAndLargeFilesIncluded()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template", "src"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "src", "app.py"), "print('hi')\n");
        File.CreateSymbolicLink(Path.Combine(dir, "template", "link.py"), "src/app.py");
        var large = string.Concat(Enumerable.Range(0, 12_000).Select(i => $"line {i:d6} of a file too large to journal inline\n")); // ~600 KB
        var script = Path.Combine(dir, "script.json");
        await File.WriteAllTextAsync(script, new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject
            {
                ["turns"] = new JsonArray(
                    new JsonObject { ["tool_calls"] = new JsonArray(new JsonObject { ["name"] = "write_file", ["arguments"] = new JsonObject { ["path"] = "big.txt", ["content"] = large } }) },
                    new JsonObject { ["content"] = "Written." }),
            }),
        }.ToJsonString());
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllTextAsync(tasks, """{"id":"big","prompt":"write it","workspace":"template"}""" + "\n");
        var url = PostgresServer.Instance.NewDatabaseUrl();

        var run = await Cli.RunAsync(["run", tasks, "--fake-llm", script, "--fleet-id", "w", "--data-dir", Path.Combine(dir, "here"), "--journal-url", url]);
        Assert.True(run.ExitCode == 0, run.ToString());

        var elsewhere = Path.Combine(dir, "elsewhere");
        var outDir = Path.Combine(dir, "rebuilt");
        var workspace = await Cli.RunAsync(["workspace", "w:big:0", "--out", outDir, "--data-dir", elsewhere, "--journal-url", url]);

        Assert.True(workspace.ExitCode == 0, workspace.ToString());
        Assert.Equal(large, await File.ReadAllTextAsync(Path.Combine(outDir, "big.txt")));
        Assert.Equal("print('hi')\n", await File.ReadAllTextAsync(Path.Combine(outDir, "src", "app.py")));
        Assert.Equal("src/app.py", new FileInfo(Path.Combine(outDir, "link.py")).LinkTarget);
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(elsewhere, "blobs"), "*", SearchOption.AllDirectories)); // fetched, then cached
    }

    /// <summary>Processes on other data dirs (other machines) see that a fleet is running: a second one is refused, and
    /// <c>sessions</c> shows its sessions running, until the first process dies (SIGKILL: the server drops its lock).</summary>
    [Fact]
    public async Task Fleet_RunningFromOneDataDir_IsRefusedFromAnother_UntilItsProcessIsKilled()
    {
        var url = PostgresServer.Instance.NewDatabaseUrl();
        string[] here = ["--data-dir", Cli.NewTempDir(), "--journal-url", url];
        string[] there = ["--data-dir", Cli.NewTempDir(), "--journal-url", url];
        await using var slow = await ActorRollouts.FakeLlm.FakeLlmServer.StartAsync(ActorRollouts.FakeLlm.FakeScript.Parse(
            """{ "scenarios": [ { "delay_ms": 120000, "turns": [ { "content": "Done." } ] } ] }"""));
        using var first = Cli.Start(["run", "examples/tasks.jsonl", "--base-url", slow.BaseUrl.ToString(), "--fleet-id", "one", .. here]);
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await slow.WhenRequestsReach(6, bounded.Token); // every session is waiting on the model

        var second = await Cli.RunAsync(["resume", "one", .. there]);
        Assert.True(second.ExitCode == 2, second.ToString());
        Assert.Contains($"fleet 'one' is already running in actor-rollouts pid {first.Id} on {Environment.MachineName}", second.Stderr);
        var listed = await Cli.RunAsync(["sessions", "--fleet", "one", "--json", .. there]);
        Assert.All(JsonNode.Parse(listed.Stdout)!.AsArray(), s => Assert.Equal("running", (string?)s!["status"]));

        first.Kill();
        await first.WaitForExitAsync();
        await using var quick = await ActorRollouts.FakeLlm.FakeLlmServer.StartAsync(ActorRollouts.FakeLlm.FakeScript.Parse(
            """{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }"""));
        var resumed = await Cli.RunAsync(["resume", "one", "--base-url", quick.BaseUrl.ToString(), .. there]);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("6 sessions: 6 completed", resumed.Stdout);
    }

    [Fact]
    public async Task Readers_OnADatabaseWithoutAJournal_SaySoAndCreateNothing()
    {
        var url = PostgresServer.Instance.NewDatabaseUrl();

        foreach (var command in new[] { new[] { "sessions" }, ["trace", "f:t:0"], ["stats", "--fleet", "f"], ["resume", "f"] })
        {
            var result = await Cli.RunAsync([.. command, "--data-dir", Cli.NewTempDir(), "--journal-url", url]);
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains($"no journal at {url}", result.Stderr);
        }

        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString(url));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("postgresql://ann:hunter2@127.0.0.1:1/rollouts", "cannot use the journal at postgresql://ann:***@127.0.0.1:1/rollouts: ")]
    [InlineData("postgresql://ann:hunter2@127.0.0.1/", "--journal-url needs a host and one database name")]
    [InlineData("sqlite:///tmp/x.db", "--journal-url must look like postgresql://")]
    public async Task JournalUrl_UnreachableOrMalformed_IsOneClearLine_WithoutThePassword(string url, string expected)
    {
        var dataDir = Cli.NewTempDir();

        var result = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", dataDir, "--journal-url", url]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("hunter2", result.Stderr + result.Stdout);
        Assert.DoesNotContain("   at ", result.Stderr); // a message, not a stack trace
    }
}
