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
