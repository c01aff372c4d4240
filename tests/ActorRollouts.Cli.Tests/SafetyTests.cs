using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests;

/// <summary>Safety rules end to end: the refusals are tool results the model reads, they are journaled, and the session
/// goes on to its end.</summary>
public class SafetyTests
{
    private const string Script = """
        { "scenarios": [ { "turns": [
            { "tool_calls": [ { "name": "edit_file", "arguments": { "path": "notes.txt", "old_string": "old", "new_string": "new" } } ] },
            { "tool_calls": [ { "name": "delete_file", "arguments": { "path": "notes.txt" } } ] },
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo made > made.txt && rm -f other.txt" } } ] },
            { "content": "Done." } ] } ] }
        """;

    private static async Task<(CliResult Run, List<JsonNode> Trace, string Workspace)> RunSafetyTask(string confirm, string? stdin = null)
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "notes.txt"), "old notes\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "other.txt"), "x\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), Script);
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
            ["""{"id":"safety","prompt":"tidy up","workspace":"template","tools":["read_file","edit_file","delete_file","bash"]}"""]);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data,
            "--fleet-id", "s", "--confirm", confirm], stdin: stdin);
        var trace = await Cli.RunAsync(["trace", "s:safety:0", "--data-dir", data]);
        var lines = trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        return (run, lines, await Cli.WorkspaceAsync(data, "s:safety:0"));
    }

    private static List<JsonNode> Completed(List<JsonNode> trace) =>
        trace.Where(l => (string?)l["type"] == "tool_call_completed").Select(l => l["data"]!).ToList();

    [Fact]
    public async Task EditWithoutReadAndDeleteUnderConfirmDeny_AreRefusedJournaledAndTheSessionCompletes()
    {
        var (run, trace, workspace) = await RunSafetyTask("deny");

        Assert.True(run.ExitCode == 0, run.ToString());
        var results = Completed(trace);
        Assert.Equal(("edit_file", "E_VALIDATION"), ((string?)results[0]["name"], (string?)results[0]["error_code"]));
        Assert.Equal(("delete_file", "E_CONFIRMED_DENY"), ((string?)results[1]["name"], (string?)results[1]["error_code"]));
        var resolved = trace.Single(l => (string?)l["type"] == "confirmation_resolved")["data"]!;
        Assert.Equal((false, "policy:deny"), ((bool?)resolved["approved"], (string?)resolved["decided_by"]));
        Assert.Single(trace, l => (string?)l["type"] == "confirmation_requested");
        Assert.Equal("old notes\n", File.ReadAllText(Path.Combine(workspace, "notes.txt")));   // neither edited nor deleted
        Assert.Equal("session_completed", (string?)trace[^1]["type"]);
        // The bash command ran in the sandbox and its changes are journaled file by file.
        Assert.Equal(["file_created", "file_deleted"], trace.Where(l => ((string?)l["type"])?.StartsWith("file_") == true).Select(l => (string?)l["type"]));
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(workspace, "made.txt")));
    }

    [Fact]
    public async Task ConfirmAsk_ReadsTheAnswerAndJournalsWhoGaveIt()
    {
        var (run, trace, workspace) = await RunSafetyTask("ask", stdin: "y\n");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("[confirm] s:safety:0 wants to run delete_file", run.Stderr);
        var resolved = trace.Single(l => (string?)l["type"] == "confirmation_resolved")["data"]!;
        Assert.Equal((true, "user"), ((bool?)resolved["approved"], (string?)resolved["decided_by"]));
        Assert.False(File.Exists(Path.Combine(workspace, "notes.txt")));
        Assert.True((bool?)Completed(trace)[1]["ok"]);
    }
}

public class SandboxStartupTests
{
    private static async Task<string> BashTask()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"b","prompt":"run it","tools":["bash"]}"""]);
        return tasks;
    }

    [Fact]
    public async Task Run_BashWithBwrapSandboxButNoBubblewrapOnPath_IsAClearStartupError()
    {
        var empty = Cli.NewTempDir(); // a PATH where bwrap cannot be found

        var run = await Cli.RunAsync(["run", await BashTask(), "--fake-llm", "examples/fake-llm.json", "--data-dir", Cli.NewTempDir()],
            environment: new Dictionary<string, string?> { ["PATH"] = empty });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("bubblewrap, which is not installed (apt-get install bubblewrap), or pass --sandbox none", run.Stderr);
    }

    [Fact]
    public async Task Run_SandboxNone_WarnsThatCommandsRunUnconfined()
    {
        var run = await Cli.RunAsync(["run", await BashTask(), "--fake-llm", "examples/fake-llm.json", "--data-dir", Cli.NewTempDir(), "--sandbox", "none"]);

        Assert.Contains("warning: --sandbox none", run.Stderr);
    }
}
