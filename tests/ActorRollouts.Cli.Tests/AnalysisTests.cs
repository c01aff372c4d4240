using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>A small fleet whose every number is known by hand: two graded sessions that fix a file (reward 1), one
/// that hits E_NOT_FOUND and E_TOOL_UNKNOWN then writes three lines (reward 0.25 from stdout), one stopped by
/// max_turns (no grader), and one that fails on an HTTP 401 before any model answer. Model gpt-4o, so it has a cost.</summary>
public class KnownFleet : IAsyncLifetime
{
    /// <summary>Which journal the fleet is run on and read from (see <see cref="Cli.Journal"/>).</summary>
    protected virtual string JournalKind => "sqlite";

    /// <summary>The journal options every command on this fleet takes.</summary>
    public string[] Journal { get; private set; } = [];

    public const string FleetId = "known";

    public const string Script = """
        { "scenarios": [
          { "match": "Fix the greeting", "turns": [
              { "tool_calls": [ { "name": "read_file", "arguments": { "path": "greeting.txt" } } ] },
              { "tool_calls": [ { "name": "edit_file", "arguments": { "path": "greeting.txt", "old_string": "Helo", "new_string": "Hello" } } ] },
              { "content": "Fixed." } ] },
          { "match": "Write the notes", "turns": [
              { "tool_calls": [ { "name": "read_file", "arguments": { "path": "missing.txt" } }, { "name": "delete_file", "arguments": { "path": "x" } } ] },
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "notes.txt", "content": "a\nb\nc\n" } } ] },
              { "content": "Wrote notes." } ] },
          { "match": "Look around", "turns": [
              { "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
              { "content": "never reached" } ] },
          { "match": "Say hello", "turns": [
              { "content": "hello", "fault": { "status": 401, "times": 99,
                "body": { "error": { "message": "Incorrect API key provided.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key" } } } } ] } ] }
        """;

    public static readonly string[] Tasks =
    [
        """{"id":"fix","prompt":"Fix the greeting.","workspace":"ws-greeting","tools":["read_file","edit_file"],"samples":2,"grader":{"command":"grep -q 'Hello, world!' greeting.txt"}}""",
        """{"id":"notes","prompt":"Write the notes.","tools":["read_file","write_file"],"grader":{"command":"echo 0.25","reward":"stdout"}}""",
        """{"id":"capped","prompt":"Look around.","tools":["list_files"],"max_turns":1}""",
        """{"id":"denied","prompt":"Say hello."}""",
    ];

    public string DataDir { get; private set; } = "";
    public CliResult Run { get; private set; } = null!;
    public IReadOnlyList<RecordedRequest> Requests { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "ws-greeting"));
        await File.WriteAllTextAsync(Path.Combine(dir, "ws-greeting", "greeting.txt"), "Helo, world!\n");
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), Tasks);
        DataDir = Path.Combine(dir, "data");
        Journal = Cli.Journal(JournalKind, DataDir);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        Run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", server.BaseUrl.ToString(), "--model", "gpt-4o",
            .. Journal, "--fleet-id", FleetId]);
        Requests = server.Requests;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary><see cref="KnownFleet"/> on the shared PostgreSQL journal.</summary>
public sealed class KnownFleetOnPostgres : KnownFleet
{
    protected override string JournalKind => "postgres";
}

public class AnalysisTests(KnownFleet fleet) : AnalysisTestsOn<KnownFleet>(fleet);

public class AnalysisOnPostgresTests(KnownFleetOnPostgres fleet) : AnalysisTestsOn<KnownFleetOnPostgres>(fleet);

/// <summary><c>stats</c> and <c>export</c> on <see cref="KnownFleet"/>: exact numbers, and filters that each select a
/// known, non-empty set of sessions; the same tests on either journal.</summary>
public abstract class AnalysisTestsOn<TFleet>(TFleet fleet) : IClassFixture<TFleet> where TFleet : KnownFleet
{
    // Usage, from the FakeLlm's rule (prompt = ceil(request body bytes / 4); completion = ceil((content + tool names +
    // argument JSON) / 4)), read off the server's request log:
    //   fix    turn 1: body 1376 -> 344 in; "read_file" + {"path":"greeting.txt"} = 9 + 23 = 32 chars -> 8 out
    //          turn 2: body 1613 -> 404 in; "edit_file" + its 66-char arguments = 75 chars -> 19 out
    //          turn 3: body 1915 -> 479 in; "Fixed." = 6 chars -> 2 out                     => 1227 in, 29 out
    //   notes  turns: bodies 1130, 1660, 1930 -> 283 + 415 + 483 in; 14 + 13 + 3 out        => 1181 in, 30 out
    //   capped turn 1: body 699 -> 175 in; "list_files" + {} = 12 chars -> 3 out             =>  175 in,  3 out
    //   denied the only request is answered 401: no usage                                   =>    0 in,  0 out
    // gpt-4o costs $2.50 per million input and $10.00 per million output tokens:
    //   fix 1227 * 2.5 + 29 * 10 = 3357.5 µ$; notes 1181 * 2.5 + 30 * 10 = 3252.5 µ$; capped 175 * 2.5 + 3 * 10 = 467.5 µ$.
    private const double FixCost = 0.0033575, NotesCost = 0.0032525, CappedCost = 0.0004675;

    [Fact]
    public void Run_KnownFleet_EndsWithOneFailedSessionAndTheServerReportedTheUsageWorkedOutByHand()
    {
        Assert.True(fleet.Run.ExitCode == 1, fleet.Run.ToString()); // 1: a session failed
        Assert.Contains("5 sessions: 4 completed, 1 failed", fleet.Run.Stdout);
        var byScenario = fleet.Requests.GroupBy(r => JsonNode.Parse(r.Body)!["messages"]![0]!["content"]!.ToString())
            .ToDictionary(g => g.Key, g => (g.Count(), g.Sum(r => r.ReportedUsage?.PromptTokens ?? 0), g.Sum(r => r.ReportedUsage?.CompletionTokens ?? 0)));
        Assert.Equal((6, 2 * 1227, 2 * 29), byScenario["Fix the greeting."]);
        Assert.Equal((3, 1181, 30), byScenario["Write the notes."]);
        Assert.Equal((1, 175, 3), byScenario["Look around."]);
        Assert.Equal((1, 0, 0), byScenario["Say hello."]);
        Assert.Equal(401, fleet.Requests.Single(r => r.Body.Contains("Say hello.", StringComparison.Ordinal)).StatusCode);
    }

    [Fact]
    public async Task Stats_KnownFleet_GivesTheExactCountsTokensCostPercentilesToolCallsAndRewards()
    {
        var result = await Cli.RunAsync(["stats", "--fleet", KnownFleet.FleetId, .. fleet.Journal, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var stats = JsonNode.Parse(result.Stdout)!;
        Assert.Equal(5, (int)stats["sessions"]!);
        Assert.Equal("""{"completed":4,"failed":1}""", stats["by_status"]!.ToJsonString());
        Assert.Equal("""{"done":3,"max_turns":1}""", stats["by_stop_reason"]!.ToJsonString()); // the failed one has none

        // per session: fix 3, fix 3, notes 3, capped 1, denied 0 — nearest rank over 5: p50 is the 3rd, p95 the 5th
        AssertDistribution(stats["turns"]!, total: 10, mean: 2, p50: 3, p95: 3, min: 0, max: 3);
        // per session: 1227, 1227, 1181, 175, 0
        AssertDistribution(stats["input_tokens"]!, total: 3810, mean: 762, p50: 1181, p95: 1227, min: 0, max: 1227);
        // per session: 29, 29, 30, 3, 0
        AssertDistribution(stats["output_tokens"]!, total: 91, mean: 18.2, p50: 29, p95: 30, min: 0, max: 30);
        AssertDistribution(stats["cost_usd"]!, total: 2 * FixCost + NotesCost + CappedCost, mean: 0.002087, p50: NotesCost, p95: FixCost, min: 0, max: FixCost);

        // fix: read, edit (x2); notes: read (E_NOT_FOUND), delete_file (not offered: E_TOOL_UNKNOWN), write; capped: list
        Assert.Equal("""{"delete_file":1,"edit_file":2,"list_files":1,"read_file":3,"write_file":1}""", stats["tool_calls_by_tool"]!.ToJsonString());
        Assert.Equal("""{"E_NOT_FOUND":1,"E_TOOL_UNKNOWN":1,"ok":6}""", stats["tool_calls_by_error_code"]!.ToJsonString());
        // files edited: 1, 1, 1, 0, 0
        Assert.Equal((0.6, 1.0), ((double)stats["files_edited_per_trajectory"]!["mean"]!, (double)stats["files_edited_per_trajectory"]!["max"]!));
        // greeting.txt: +1 -1 twice; notes.txt: +3
        Assert.Equal((5, 2), ((int)stats["diff_lines_added"]!, (int)stats["diff_lines_removed"]!));
        // rewards 1, 1, 0.25: mean 0.75, population std sqrt((0.0625 + 0.0625 + 0.25) / 3)
        Assert.Equal(3, (int)stats["graded"]!);
        var reward = stats["reward"]!;
        Assert.Equal((0.75, 0.25, 1.0), ((double)reward["mean"]!, (double)reward["min"]!, (double)reward["max"]!));
        Assert.Equal(Math.Sqrt(0.125), (double)reward["std"]!, precision: 12);
    }

    [Fact]
    public async Task Stats_KnownFleetAsText_ShowsTheSameCounts()
    {
        var result = await Cli.RunAsync(["stats", "--fleet", KnownFleet.FleetId, .. fleet.Journal]);

        Assert.Contains("  status        completed 4, failed 1\n", result.Stdout);
        Assert.Contains("  input tokens  total 3810, mean 762, p50 1181, p95 1227\n", result.Stdout);
        Assert.Contains("  tool results  E_NOT_FOUND 1, E_TOOL_UNKNOWN 1, ok 6\n", result.Stdout);
        Assert.Contains("  reward        3 graded: mean 0.75, std 0.354, min 0.25, max 1", result.Stdout);
    }

    [Theory]
    [InlineData(new string[0], "capped:0 denied:0 fix:0 fix:1 notes:0")]
    [InlineData(new[] { "--status", "completed" }, "capped:0 fix:0 fix:1 notes:0")]
    [InlineData(new[] { "--status", "failed" }, "denied:0")]
    [InlineData(new[] { "--min-reward", "0" }, "fix:0 fix:1 notes:0")]                  // graded only: capped and denied have no reward
    [InlineData(new[] { "--min-reward", "0.5" }, "fix:0 fix:1")]
    [InlineData(new[] { "--min-reward", "0.25" }, "fix:0 fix:1 notes:0")]               // the bound is inclusive
    [InlineData(new[] { "--max-diff-lines", "2" }, "capped:0 denied:0 fix:0 fix:1")]    // notes added 3 lines
    [InlineData(new[] { "--max-diff-lines", "0" }, "capped:0 denied:0")]
    [InlineData(new[] { "--status", "completed", "--max-diff-lines", "0" }, "capped:0")]
    [InlineData(new[] { "--status", "failed", "--min-reward", "0" }, "")]
    public async Task Export_Filters_SelectExactlyTheExpectedSessions(string[] filter, string expected)
    {
        var export = await Cli.RunAsync(["export", "--fleet", KnownFleet.FleetId, .. fleet.Journal, .. filter]);

        Assert.True(export.ExitCode == 0, export.ToString());
        var ids = Records(export).Select(r => ((string)r["session_id"]!)["known:".Length..]).Order(StringComparer.Ordinal);
        Assert.Equal(expected, string.Join(' ', ids));
        Assert.Contains($"exported {(expected.Length == 0 ? 0 : expected.Split(' ').Length)} of 5 sessions (trajectories)", export.Stderr);
    }

    [Fact]
    public async Task Export_StatusFailed_GivesTheFailedSessionWithItsReasonAndNoUsage()
    {
        var export = await Cli.RunAsync(["export", "--fleet", KnownFleet.FleetId, .. fleet.Journal, "--format", "trajectories", "--status", "failed"]);

        var record = Assert.Single(Records(export));
        Assert.Equal(("known:denied:0", "denied", "failed", "gpt-4o"), ((string?)record["session_id"], (string?)record["task_id"], (string?)record["status"], (string?)record["model"]));
        var error = (string)record["error"]!;
        Assert.StartsWith("model call for turn 1 failed after 1 attempt(s): HTTP 401 from http://127.0.0.1:", error);
        Assert.EndsWith("/v1/chat/completions: Incorrect API key provided. (invalid_api_key)", error);
        Assert.Null(record["stop_reason"]);
        Assert.Null(record["reward"]);
        Assert.Equal("""[{"role":"user","content":"Say hello."}]""", record["messages"]!.ToJsonString());
        Assert.Equal("""{"input_tokens":0,"output_tokens":0,"reasoning_tokens":0,"cached_tokens":0}""", record["usage"]!.ToJsonString());
        Assert.Equal((0, 0m), ((int)record["turns"]!, (decimal)record["cost_usd"]!));
    }

    [Fact]
    public async Task Export_MinReward_GivesTheGradedRecordsWithRewardsUsageToolResultsAndDiffs()
    {
        var export = await Cli.RunAsync(["export", "--fleet", KnownFleet.FleetId, .. fleet.Journal, "--format", "trajectories", "--min-reward", "0"]);

        var records = Records(export).ToDictionary(r => (string)r["session_id"]!);
        Assert.Equal(["known:fix:0", "known:fix:1", "known:notes:0"], records.Keys.Order(StringComparer.Ordinal));
        foreach (var id in new[] { "known:fix:0", "known:fix:1" })
        {
            var fix = records[id];
            Assert.Equal((1.0, "completed", "done", 3), ((double)fix["reward"]!, (string?)fix["status"], (string?)fix["stop_reason"], (int)fix["turns"]!));
            Assert.Equal("""{"input_tokens":1227,"output_tokens":29,"reasoning_tokens":0,"cached_tokens":0}""", fix["usage"]!.ToJsonString());
            Assert.Equal((decimal)FixCost, (decimal)fix["cost_usd"]!);
            var messages = fix["messages"]!.AsArray();
            Assert.Equal(["user", "assistant", "tool", "assistant", "tool", "assistant"], messages.Select(m => (string?)m!["role"]));
            Assert.Equal("     1\tHelo, world!\n", (string?)messages[2]!["content"]);
            Assert.Equal("""{"ok":true,"diffs":[{"path":"greeting.txt","diff":"--- a/greeting.txt\n+++ b/greeting.txt\n@@ -1,1 +1,1 @@\n-Helo, world!\n+Hello, world!\n"}],"files_changed":["greeting.txt"],"data":{"replacements":1}}""",
                Json(messages[4]!["tool_result"]!));
            Assert.Equal("Fixed.", (string?)messages[5]!["content"]);
        }

        var notes = records["known:notes:0"];
        Assert.Equal((0.25, 3), ((double)notes["reward"]!, (int)notes["turns"]!));
        Assert.Equal("""{"input_tokens":1181,"output_tokens":30,"reasoning_tokens":0,"cached_tokens":0}""", notes["usage"]!.ToJsonString());
        Assert.Equal((decimal)NotesCost, (decimal)notes["cost_usd"]!);
        var tools = notes["messages"]!.AsArray().Where(m => (string?)m!["role"] == "tool").ToList();
        Assert.Equal(["E_NOT_FOUND", "E_TOOL_UNKNOWN", null], tools.Select(t => (string?)t!["tool_result"]!["error_code"]));
        Assert.Equal("Error [E_TOOL_UNKNOWN]: Unknown tool 'delete_file'. Available tools: read_file, write_file.", (string?)tools[1]!["content"]);
        Assert.Equal("""{"ok":true,"diffs":[{"path":"notes.txt","diff":"--- /dev/null\n+++ b/notes.txt\n@@ -0,0 +1,3 @@\n+a\n+b\n+c\n"}],"files_changed":["notes.txt"],"data":{"bytes":6,"created":true,"seen_path":"notes.txt"}}""",
            Json(tools[2]!["tool_result"]!));
    }

    [Fact]
    public async Task Export_OpenAiChatWithStatusFilter_GivesOnlyTheMaxTurnsSessionAsAChatRecord()
    {
        var export = await Cli.RunAsync(["export", "--fleet", KnownFleet.FleetId, .. fleet.Journal, "--format", "openai-chat",
            "--status", "completed", "--max-diff-lines", "0"]);

        var record = Assert.Single(Records(export));
        var messages = record["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "tool"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal("Look around.", (string?)messages[0]!["content"]);
        Assert.Equal("list_files", (string?)messages[1]!["tool_calls"]![0]!["function"]!["name"]);
        Assert.Equal("[no files]\n", (string?)messages[2]!["content"]);
        Assert.Equal(["list_files"], record["tools"]!.AsArray().Select(t => (string?)t!["function"]!["name"]));
        Assert.Contains("exported 1 of 5 sessions (openai-chat)", export.Stderr);
    }

    private static List<JsonNode> Records(CliResult export)
    {
        Assert.True(export.ExitCode == 0, export.ToString());
        var lines = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.All(l => l.StartsWith('{')), export.ToString());
        return lines.Select(l => JsonNode.Parse(l)!).ToList();
    }

    /// <summary>JSON text as written, without escaping '+' and the like, to compare with expected text.</summary>
    private static string Json(JsonNode node) =>
        node.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static void AssertDistribution(JsonNode d, double total, double mean, double p50, double p95, double min, double max)
    {
        const int digits = 12; // the cost figures are sums of decimals carried as doubles
        Assert.Equal(total, (double)d["total"]!, digits);
        Assert.Equal(mean, (double)d["mean"]!, digits);
        Assert.Equal(p50, (double)d["p50"]!, digits);
        Assert.Equal(p95, (double)d["p95"]!, digits);
        Assert.Equal(min, (double)d["min"]!, digits);
        Assert.Equal(max, (double)d["max"]!, digits);
    }
}

/// <summary>The example fleet of the README (examples/), run with its own FakeLlm script.</summary>
public class ExampleFleetAnalysisTests
{
    /// <summary>Runs the example fleet on the journal named and returns the options that read it.</summary>
    private static async Task<string[]> ExampleFleet(string fleetId, string journalKind)
    {
        var journal = Cli.Journal(journalKind, Cli.NewTempDir());
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", .. journal, "--fleet-id", fleetId]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return journal;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Stats_ExampleFleet_GivesTheNumbersItsScriptImplies(string journalKind)
    {
        var journal = await ExampleFleet("st", journalKind);

        var stats = JsonNode.Parse((await Cli.RunAsync(["stats", "--fleet", "st", .. journal, "--json"])).Stdout)!;

        Assert.Equal(6, (int)stats["sessions"]!);
        Assert.Equal(6, (int)stats["by_status"]!["completed"]!);
        Assert.Equal(6, (int)stats["by_stop_reason"]!["done"]!);
        Assert.Equal((24.0, 4.0, 4.0), ((double)stats["turns"]!["total"]!, (double)stats["turns"]!["p50"]!, (double)stats["turns"]!["p95"]!));
        // fix-greeting: read, edit, read; add-todo: list, read, edit; summarize-notes: list, read, read, write — two samples each.
        Assert.Equal("""{"edit_file":4,"list_files":4,"read_file":10,"write_file":2}""", stats["tool_calls_by_tool"]!.ToJsonString());
        Assert.Equal("""{"ok":20}""", stats["tool_calls_by_error_code"]!.ToJsonString());
        Assert.Equal(1.0, (double)stats["files_edited_per_trajectory"]!["mean"]!);
        // greeting: +1 -1 each; TODO: +1 each; summary.md: +2 each.
        Assert.Equal((8, 2), ((int)stats["diff_lines_added"]!, (int)stats["diff_lines_removed"]!));
        Assert.Null(stats["reward"]);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Export_OpenAiChat_NestsToolCallsHasToolMessagesAndTheToolsOnOffer(string journalKind)
    {
        var journal = await ExampleFleet("ex", journalKind);

        var export = await Cli.RunAsync(["export", "--fleet", "ex", "--format", "openai-chat", .. journal]);

        var records = export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(6, records.Count);
        var greeting = records.First(r => r["messages"]![1]!["content"]!.ToString().StartsWith("Fix the spelling", StringComparison.Ordinal));
        var messages = greeting["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant", "tool", "assistant"], messages.Select(m => (string?)m!["role"]));
        Assert.Equal(("function", "read_file"), ((string?)messages[2]!["tool_calls"]![0]!["type"], (string?)messages[2]!["tool_calls"]![0]!["function"]!["name"]));
        Assert.Equal((string?)messages[2]!["tool_calls"]![0]!["id"], (string?)messages[3]!["tool_call_id"]);
        Assert.Equal(["read_file", "edit_file", "write_file"], greeting["tools"]!.AsArray().Select(t => (string?)t!["function"]!["name"]));
        Assert.Equal("object", (string?)greeting["tools"]![0]!["function"]!["parameters"]!["type"]);
    }
}
