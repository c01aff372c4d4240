using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary><c>fork</c> starts sessions from another session's state at a sequence number: they send the model exactly
/// the parent's transcript up to there, start with the parent's workspace as it was then, carry the provenance, and
/// leave the parent's journal as it was.</summary>
public class ForkTests
{
    private const string Script = """
        { "scenarios": [ { "turns": [
          { "tool_calls": [ { "name": "write_file", "arguments": { "path": "notes.txt", "content": "first\n" } } ] },
          { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo second >> notes.txt && printf '\\x00\\x01' > data.bin" } } ] },
          { "tool_calls": [ { "name": "read_file", "arguments": { "path": "notes.txt" } } ] },
          { "content": "Done." } ] } ] }
        """;

    [Fact]
    public async Task Fork_ThreeSamplesWithAnotherModel_SendTheParentsTranscriptStartWithItsWorkspaceAndLeaveItsJournalAlone()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "readme.txt"), "hello\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"), """{"id":"p","prompt":"make notes","workspace":"template","tools":["read_file","write_file","bash"]}""" + "\n");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var data = Path.Combine(dir, "data");
        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", server.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "parent"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var parentTrace = (await Cli.RunAsync(["trace", "parent:p:0", "--data-dir", data])).Stdout;
        // Branch right after the bash call's tool message: before the model's third turn.
        var branch = (long)Lines(parentTrace).Where(l => (string?)l["_type"] == "message" && (string?)l["role"] == "tool").ElementAt(1)["seq"]!;
        var parentThirdRequest = server.Requests.Single(r => r.Turn == 2);

        var fork = await Cli.RunAsync(["fork", "parent:p:0", "--at", branch.ToString(), "--samples", "3", "--fleet-id", "kids",
            "--model", "gpt-4o-mini", "--base-url", server.BaseUrl.ToString(), "--data-dir", data]);

        Assert.True(fork.ExitCode == 0, fork.ToString());
        Assert.Contains("3 sessions: 3 completed", fork.Stdout);
        var firstRequests = server.Requests.Skip(4).Where(r => r.Turn == 2).ToList();
        Assert.Equal(3, firstRequests.Count);
        Assert.Equal(6, server.Requests.Count - 4); // each fork asked only for the turns after the branch point
        foreach (var request in firstRequests)
        {
            Assert.Equal(MessagesOf(parentThirdRequest), MessagesOf(request)); // exactly the parent's transcript up to there
            Assert.Equal("gpt-4o-mini", (string?)JsonNode.Parse(request.Body)!["model"]);
        }
        var parentAtBranch = TreeListing.Of(await Cli.WorkspaceAsync(data, "parent:p:0", branch));
        Assert.Contains(parentAtBranch, l => l.StartsWith("data.bin file"));
        var export = (await Cli.RunAsync(["export", "--fleet", "kids", "--format", "trajectories", "--data-dir", data])).Stdout;
        for (var sample = 0; sample < 3; sample++)
        {
            var id = $"kids:p:{sample}";
            var trace = Lines((await Cli.RunAsync(["trace", id, "--data-dir", data])).Stdout);
            Assert.Equal(("parent:p:0", branch), ((string?)trace[0]["parent_session_id"], (long?)trace[0]["forked_at_seq"]));
            Assert.Equal(TreeListing.Of(await Cli.WorkspaceAsync(data, id, 1)), parentAtBranch); // the workspace at the branch point
            Assert.Contains("2\tsecond", (string?)trace.Last(l => (string?)l["role"] == "tool")["content"]); // and live on it
        }
        Assert.Equal(3, Lines(export).Count(t => (string?)t["parent_session_id"] == "parent:p:0" && (long?)t["forked_at_seq"] == branch));
        Assert.Equal(parentTrace, (await Cli.RunAsync(["trace", "parent:p:0", "--data-dir", data])).Stdout); // the parent untouched
    }

    [Fact]
    public async Task Fork_AtAPointWhereTheSessionWasOver_OrPastItsEnd_IsAClearError()
    {
        var data = Path.Combine(Cli.NewTempDir(), "data");
        var run = await Cli.RunAsync(["run", "examples/tasks.jsonl", "--fake-llm", "examples/fake-llm.json", "--data-dir", data, "--fleet-id", "demo"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var last = (long)Lines((await Cli.RunAsync(["trace", "demo:fix-greeting:0", "--data-dir", data])).Stdout)[^1]["seq"]!;

        var over = await Cli.RunAsync(["fork", "demo:fix-greeting:0", "--at", last.ToString(), "--data-dir", data]);
        var past = await Cli.RunAsync(["fork", "demo:fix-greeting:0", "--at", (last + 1).ToString(), "--data-dir", data]);
        var unknown = await Cli.RunAsync(["fork", "demo:nope:0", "--at", "3", "--data-dir", data]);

        Assert.Contains("was over at", over.Stderr);
        Assert.Contains("past the end", past.Stderr);
        Assert.Contains("no session 'demo:nope:0'", unknown.Stderr);
        Assert.All([over, past, unknown], r => Assert.Equal(2, r.ExitCode));
    }

    private static List<JsonNode> Lines(string jsonl) => [.. jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];

    private static string MessagesOf(RecordedRequest request) => JsonNode.Parse(request.Body)!["messages"]!.ToJsonString();
}
