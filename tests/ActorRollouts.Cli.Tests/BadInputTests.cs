using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>Bad input gets a clear error, exit code 2, and nothing is started or lost.</summary>
public class BadInputTests
{
    [Fact]
    public async Task Run_MalformedTaskLine_ExitsTwoNamesTheLineAndStartsNothing()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"a","prompt":"fine"}""", """{"id":"b","prompt": oops}"""]);
        var dataDir = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", tasks, "--fake-llm", Path.Combine(Cli.RepoRoot, "examples", "fake-llm.json"), "--data-dir", dataDir]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("tasks.jsonl:2: not valid JSON", run.Stderr);
        Assert.False(Directory.Exists(dataDir), "nothing may start (no journal, no workspaces) on bad input");
    }

    [Fact]
    public async Task Run_WhereNoWorkspaceCanBeMounted_IsOneClearErrorBeforeAnyModelCall()
    {
        var dir = Path.Combine(Cli.NewTempDir(), "a,b"); // overlayfs cannot take a comma in its folder names
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"turns":[{"content":"hi"}]}]}"""));

        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--base-url", server.BaseUrl.ToString(), "--data-dir", Path.Combine(dir, "data")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("could not make one", run.Stderr);
        Assert.Contains("may not contain ','", run.Stderr);
        Assert.Empty(server.Requests);
    }

    /// <summary>Sessions without a template mount nothing, so the same folder that refuses an overlay serves them.</summary>
    [Fact]
    public async Task Run_WithoutTemplates_MountsNothing_SoRunsWhereNoWorkspaceCanBeMounted()
    {
        var dir = Path.Combine(Cli.NewTempDir(), "a,b");
        Directory.CreateDirectory(dir);
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllTextAsync(tasks, """{"id":"plain","prompt":"write it","tools":["write_file","bash"]}""" + "\n");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            {"scenarios":[{"turns":[
              {"tool_calls":[{"name":"write_file","arguments":{"path":"a.txt","content":"hi\n"}}]},
              {"tool_calls":[{"name":"bash","arguments":{"command":"cat a.txt > b.txt"}}]},
              {"content":"done"}]}]}
            """));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--data-dir", Path.Combine(dir, "data"), "--fleet-id", "p"]);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("hi\n", await File.ReadAllTextAsync(Path.Combine(dir, "data", "workspaces", "p", "plain-0", "upper", "b.txt")));
    }

    [Fact]
    public async Task Run_MissingWorkspaceFolder_IsAClearErrorBeforeAnyModelCall()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"a","prompt":"go","workspace":"templates/missing"}"""]);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"turns":[{"content":"hi"}]}]}"""));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--data-dir", Path.Combine(dir, "data")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("workspace folder 'templates/missing' does not exist", run.Stderr);
        Assert.Contains("tasks.jsonl:1", run.Stderr);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Run_TokensAgainstOpenAisOwnApi_IsRefusedUpFront_SayingWhatWorks()
    {
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--tokens", "capture", "--data-dir", Cli.NewTempDir()],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test-not-used" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--tokens capture: https://api.openai.com/v1 reports no token ids", run.Stderr);
        Assert.Contains("vLLM-compatible server", run.Stderr);
    }

    [Theory]
    [InlineData("--concurrency", "0", "--concurrency must be at least 1")]
    [InlineData("--fleet-id", "a/b", "--fleet-id 'a/b' may use only")]
    [InlineData("--base-url", "not a url", "is not an http(s) URL")]
    [InlineData("--bogus", "1", "error:")]
    [InlineData("--tokens", "all", "--tokens must be off, capture or exact (got 'all')")]
    [InlineData("--top-logprobs", "21", "--top-logprobs must be between 0 and 20")]
    [InlineData("--policy-version", "-1", "--policy-version must be 0 or more")]
    [InlineData("--tool-call-parser", "json", "--tool-call-parser must be hermes (got 'json')")]
    public async Task Run_BadOption_ExitsTwoWithMessage(string option, string value, string expected)
    {
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", Cli.NewTempDir(), option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
    }

    [Fact]
    public async Task Run_NoApiKeyAgainstOpenAi_ExitsTwoNamingTheVariable()
    {
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--data-dir", Cli.NewTempDir()],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = null });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("OPENAI_API_KEY is not set", run.Stderr);
    }

    [Fact]
    public async Task Run_UnreachableBaseUrl_FailsSessionsWithAJournaledReadableReasonAndExitsOne()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"a","prompt":"go","samples":2}"""]);
        var config = Path.Combine(dir, "fast-retries.conf");
        await File.WriteAllTextAsync(config, "actor-rollouts.provider { max-attempts = 2, initial-backoff = 20ms, max-backoff = 50ms }");
        var dataDir = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", tasks, "--base-url", "http://127.0.0.1:1/v1", "--config", config, "--data-dir", dataDir, "--fleet-id", "down"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        var sessions = await Cli.RunAsync(["sessions", "--fleet", "down", "--data-dir", dataDir, "--json"]);
        var rows = JsonNode.Parse(sessions.Stdout)!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal("failed", (string?)r!["status"]);
            Assert.Contains("refused", (string?)r["error"], StringComparison.OrdinalIgnoreCase);
        });
        var trace = await Cli.RunAsync(["trace", "down:a:0", "--data-dir", dataDir]);
        Assert.Contains("\"type\":\"model_request_failed\"", trace.Stdout);
        Assert.Contains("\"type\":\"session_failed\"", trace.Stdout);
    }

    [Fact]
    public async Task Trace_UnknownSession_AndUnknownFleets_ExitTwoSayingWhy()
    {
        var dataDir = Cli.NewTempDir();
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", dataDir, "--fleet-id", "x"]);
        Assert.Equal(0, run.ExitCode);

        var trace = await Cli.RunAsync(["trace", "x:nope:0", "--data-dir", dataDir]);

        Assert.Equal(2, trace.ExitCode);
        Assert.Contains("no session 'x:nope:0'", trace.Stderr);
        // A fleet the journal does not know: mistyped, or its run was killed before it journaled its plan.
        string[][] unknownFleet = [["resume", "nope"], ["sessions", "--fleet", "nope"], ["stats", "--fleet", "nope"], ["cancel", "nope:t:0"]];
        foreach (var args in unknownFleet)
        {
            var unknown = await Cli.RunAsync([.. args, "--data-dir", dataDir]);
            Assert.Equal(2, unknown.ExitCode);
            Assert.Contains("no fleet 'nope'", unknown.Stderr);
            Assert.Contains("it was never started here, or its run stopped before it journaled its plan", unknown.Stderr);
        }
    }
}
