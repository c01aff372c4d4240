using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>The images the fleets below run in, built once, offline, from this machine's Debian packages: a Python image
/// holding a small project whose test fails until a bug is fixed, and a busybox one.</summary>
public sealed class TestImageArchives : IAsyncLifetime
{
    /// <summary>An <c>oci-archive</c> tarball: Debian's python3 and its standard library, busybox, and <c>/testbed</c>.</summary>
    public string Python { get; private set; } = "";

    /// <summary>An <c>oci-archive</c> tarball: busybox and an empty <c>/testbed</c>, its working folder.</summary>
    public string Busybox { get; private set; } = "";

    /// <summary>The same busybox image as an OCI layout, tagged <c>base</c>.</summary>
    public string BusyboxLayout { get; private set; } = "";

    /// <summary>An <c>oci-archive</c> tarball: Node.js and the npm MCP servers (tests/mcp) at <c>/opt/mcp</c>, working
    /// folder <c>/testbed</c>.</summary>
    public string NodeMcp { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var dir = Cli.NewTempDir();
        var python = await TestImages.BuildAsync(Path.Combine(dir, "python"), [TestImages.Python, TestImages.CalcProject], workingDir: "/testbed");
        Python = await TestImages.ArchiveAsync(python, "oci-archive", Path.Combine(dir, "python.tar"));
        var busybox = BusyboxLayout = await TestImages.BuildAsync(Path.Combine(dir, "busybox"),
            [TestImages.Busybox, root => Directory.CreateDirectory(Path.Combine(root, "testbed"))], workingDir: "/testbed");
        Busybox = await TestImages.ArchiveAsync(busybox, "oci-archive", Path.Combine(dir, "busybox.tar"));
        var node = await TestImages.BuildAsync(Path.Combine(dir, "node"), [TestImages.NodeWithMcpServers(Path.Combine(McpServers.Folder, "node_modules"))],
            workingDir: "/testbed");
        NodeMcp = await TestImages.ArchiveAsync(node, "oci-archive", Path.Combine(dir, "node.tar"));
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>Fleets whose tasks run in container images, end to end through the real CLI: the grader runs inside the image,
/// the workspace is rebuilt from the image and the journal, 50 sessions share one unpacked image, a SIGKILL loses nothing,
/// and an image that cannot be had stops the run before anything starts.</summary>
public class ImageFleetTests(TestImageArchives images) : IClassFixture<TestImageArchives>
{
    private const string FixScript = """
        { "scenarios": [ { "match": "fix calc", "turns": [
          { "tool_calls": [ { "name": "read_file", "arguments": { "path": "calc.py" } } ] },
          { "tool_calls": [ { "name": "edit_file", "arguments": { "path": "calc.py", "old_string": "a - b", "new_string": "a + b" } } ] },
          { "tool_calls": [ { "name": "bash", "arguments": { "command": "python3 -m unittest -q test_calc" } } ] },
          { "content": "Fixed: add adds." } ] } ] }
        """;

    [Fact]
    public async Task APythonImageFleet_FixesTheBugAndPassesItsGraderInside_WhileTheSameEditOnTheHostRootFails()
    {
        var dir = Cli.NewTempDir();
        File.Copy(images.Python, Path.Combine(dir, "python.tar"));
        const string grader = """ "grader": {"command": "python3 -m unittest -q test_calc"}, "tools": ["read_file", "edit_file", "bash"] """;
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            $$"""{"id": "in-image", "prompt": "fix calc", "image": "oci-archive:python.tar", {{grader}} }""",
            $$"""{"id": "on-host", "prompt": "fix calc", {{grader}} }""",
        ]);
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), FixScript);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "py"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var rewards = JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "py", "--data-dir", data, "--json"])).Stdout)!.AsArray()
            .ToDictionary(r => (string)r!["task_id"]!, r => (double?)r!["reward"]);
        Assert.Equal(new Dictionary<string, double?> { ["in-image"] = 1.0, ["on-host"] = 0.0 }, rewards);
        var bash = ToolResults(await Cli.RunAsync(["trace", "py:in-image:0", "--data-dir", data])).Single(r => (string?)r["name"] == "bash");
        Assert.StartsWith("Exit code 0\n", (string)bash["content"]!); // the project's tests ran, and passed, inside the image
        Assert.Contains("Ran 1 test", (string)bash["content"]!);
        var hostEdit = ToolResults(await Cli.RunAsync(["trace", "py:on-host:0", "--data-dir", data])).Single(r => (string?)r["name"] == "edit_file");
        Assert.Equal("E_NOT_FOUND", (string?)hostEdit["error_code"]); // the host has no calc.py to fix
    }

    [Fact]
    public async Task WorkspaceOut_WritesWhatDiffersFromTheImageWithItsDigest_AndAtAnyPointRebuildsTheTreeExactly()
    {
        var dir = Cli.NewTempDir();
        File.Copy(images.Python, Path.Combine(dir, "python.tar"));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            """{"id": "fix", "prompt": "fix calc", "image": "oci-archive:python.tar", "tools": ["read_file", "edit_file", "bash"]}""" + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), FixScript);
        var data = Path.Combine(dir, "data");
        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "w"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var rootfs = Path.Combine(Assert.Single(Directory.GetDirectories(Path.Combine(data, "images"))), "rootfs");
        var trace = (await Cli.RunAsync(["trace", "w:fix:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var beforeEdit = (long)trace.First(l => (string?)l["type"] == "tool_call_started" && (string?)l["data"]!["name"] == "edit_file")["seq"]!;

        var diff = Path.Combine(Cli.NewTempDir(), "diff");
        var written = await Cli.RunAsync(["workspace", "w:fix:0", "--data-dir", data, "--out", diff]);
        var full = Path.Combine(Cli.NewTempDir(), "full");
        var wholeTree = await Cli.RunAsync(["workspace", "w:fix:0", "--data-dir", data, "--out", full, "--full"]);
        var early = Path.Combine(Cli.NewTempDir(), "early");
        var atEarly = await Cli.RunAsync(["workspace", "w:fix:0", "--data-dir", data, "--out", early, "--at", beforeEdit.ToString(), "--full"]);

        Assert.True(written.ExitCode == 0 && wholeTree.ExitCode == 0 && atEarly.ExitCode == 0, $"{written}\n{wholeTree}\n{atEarly}");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(diff, "manifest.json")))!;
        Assert.Equal(Path.GetFileName(Path.GetDirectoryName(rootfs))!.Replace('-', ':'), (string?)manifest["digest"]);
        Assert.Equal($"oci-archive:{Path.Combine(dir, "python.tar")}", (string?)manifest["image"]);
        Assert.Contains("testbed/calc.py", manifest["changed"]!.AsArray().Select(p => (string?)p));
        Assert.Equal("def add(a, b):\n    return a + b\n", await File.ReadAllTextAsync(Path.Combine(diff, "changed", "testbed", "calc.py")));
        Assert.False(File.Exists(Path.Combine(diff, "changed", "testbed", "test_calc.py")), "an unchanged file of the image was written");
        // The whole tree is the image with the session's own changes (its overlay's upper folder) over it, byte for byte.
        Assert.Equal(Overlaid(rootfs, Cli.Changes(data, "w", "fix-0")), TreeListing.Of(full));
        Assert.Equal(TreeListing.Of(rootfs), TreeListing.Of(early)); // before the edit, nothing had changed
    }

    [Fact]
    public async Task FiftySessionsOnOneImage_UnpackItOnce_AndEachSessionsDiskIsWhatItChanged()
    {
        var dir = Cli.NewTempDir();
        File.Copy(images.Busybox, Path.Combine(dir, "busybox.tar"));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            """{"id": "note", "prompt": "take a note", "image": "oci-archive:busybox.tar", "samples": 50, "tools": ["write_file", "bash"]}""" + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """
            { "scenarios": [ { "turns": [
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "note.txt", "content": "noted\n" } } ] },
              { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo ran >> /testbed/log.txt && ls /bin/busybox" } } ] },
              { "content": "Noted." } ] } ] }
            """);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data,
            "--fleet-id", "fifty", "--concurrency", "16"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("50 sessions: 50 completed", run.Stdout);
        Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith("image oci-archive:", StringComparison.Ordinal)); // captured once
        Assert.Single(Directory.GetFileSystemEntries(Path.Combine(data, "images"))); // one unpacked copy, no leftovers
        foreach (var sample in Enumerable.Range(0, 50))
        {
            var upper = Cli.Changes(data, "fifty", $"note-{sample}");
            Assert.Equal(["testbed/ dir 755", $"testbed/log.txt file 644 {Sha256("ran\n")}", $"testbed/note.txt file 644 {Sha256("noted\n")}"],
                TreeListing.Of(upper));
        }
    }

    /// <summary>On SQLite, resumed in place; on PostgreSQL, resumed with a new data dir ("another machine"): no unpacked
    /// image, no workspaces, no blobs, so the image is captured again by its reference and every workspace is rebuilt from
    /// it and the journal.</summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres-elsewhere")]
    public async Task AFleetInAnImage_KilledWithSigkillAndResumed_FinishesWithWorkspacesAsTheJournalHasThem(string journalKind)
    {
        var dir = Cli.NewTempDir();
        File.Copy(images.Busybox, Path.Combine(dir, "busybox.tar"));
        const int sessions = 12;
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            $$"""{"id": "slow", "prompt": "work slowly", "image": "oci-archive:busybox.tar", "samples": {{sessions}}, "tools": ["write_file", "bash"]}""" + "\n");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [ { "turns": [
              { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo started > started.txt && sleep 1 && echo done > done.txt" } } ] },
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "/etc/notes.txt", "content": "after the command\n" } } ] },
              { "content": "Done." } ] } ] }
            """));
        var data = Path.Combine(dir, "data");
        var workspaces = Directory.CreateDirectory(Path.Combine(data, "workspaces", "k")).FullName;
        using var started = new FileAppears(workspaces, "started.txt");
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string[] journal = journalKind == "sqlite" ? ["--data-dir", data] : ["--data-dir", data, "--journal-url", PostgresServer.Instance.NewDatabaseUrl()];
        var elsewhere = journalKind == "sqlite" ? data : Path.Combine(Cli.NewTempDir(), "data");
        string[] resumed = [.. journal.Select(a => a == data ? elsewhere : a)];
        using var first = Cli.Start(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", server.BaseUrl.ToString(), .. journal, "--fleet-id", "k", "--concurrency", "4"]);

        await Task.WhenAny(started.Seen.WaitAsync(bounded.Token), first.WaitForExitAsync(bounded.Token));
        Assert.True(started.Seen.IsCompletedSuccessfully, "no command in the image started before the run ended");
        first.Kill(); // SIGKILL, in the middle of a command in the image
        await first.WaitForExitAsync();
        var resume = await Cli.RunAsync(["resume", "k", .. resumed]);

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"{sessions} sessions: {sessions} completed", resume.Stdout);
        foreach (var sample in Enumerable.Range(0, sessions))
        {
            var fromJournal = Path.Combine(Cli.NewTempDir(), "out");
            var written = await Cli.RunAsync(["workspace", $"k:slow:{sample}", .. resumed, "--out", fromJournal]);
            Assert.True(written.ExitCode == 0, written.ToString());
            var changed = TreeListing.Of(Path.Combine(fromJournal, "changed"));
            Assert.Equal(TreeListing.Of(Cli.Changes(elsewhere, "k", $"slow-{sample}")), changed); // the disk is what the journal says
            Assert.Contains($"etc/notes.txt file 644 {Sha256("after the command\n")}", changed);
        }
        Assert.Single(Directory.GetDirectories(Path.Combine(elsewhere, "images"))); // there (again, elsewhere), once
    }

    [Fact]
    public async Task ADockerImage_IsPulledFromARegistry_ByItsReference_AndARegistryOverPlainHttpMustBeListedAsInsecure()
    {
        await using var registry = await RegistryServer.StartAsync();
        var reference = await registry.PushAsync(images.BusyboxLayout, "base", "tools/busybox:1");
        var dir = Cli.NewTempDir();
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            $$$"""{"id": "pulled", "prompt": "note it", "image": "{{{reference}}}", "tools": ["bash"], "grader": {"command": "test -f /testbed/done.txt"}}""" + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """
            { "scenarios": [ { "turns": [ { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo ok > done.txt" } } ] }, { "content": "Noted." } ] } ] }
            """);
        await File.WriteAllTextAsync(Path.Combine(dir, "insecure.conf"), $"actor-rollouts.environment.insecure-registries = [\"{registry.Host}\"]\n");
        string[] run = ["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--fleet-id", "reg"];

        var refused = await Cli.RunAsync([.. run, "--data-dir", Path.Combine(dir, "refused")]);
        var pulled = await Cli.RunAsync([.. run, "--data-dir", Path.Combine(dir, "data"), "--config", Path.Combine(dir, "insecure.conf")]);

        Assert.Equal(ExitCodes.Usage, refused.ExitCode);
        Assert.Contains($"task 'pulled': image {reference} cannot be read: ", refused.Stderr);
        Assert.Contains("list it in actor-rollouts.environment.insecure-registries", refused.Stderr);
        Assert.True(pulled.ExitCode == 0, pulled.ToString());
        Assert.Contains("mean reward 1 over 1 graded", pulled.Stdout);
        var diff = Path.Combine(Cli.NewTempDir(), "diff");
        Assert.Equal(0, (await Cli.RunAsync(["workspace", "reg:pulled:0", "--data-dir", Path.Combine(dir, "data"), "--out", diff])).ExitCode);
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(diff, "manifest.json")))!;
        Assert.Equal(reference, (string?)manifest["image"]);
        Assert.Equal(Path.GetFileName(Assert.Single(Directory.GetDirectories(Path.Combine(dir, "data", "images")))).Replace('-', ':'), (string?)manifest["digest"]);
    }

    [Fact]
    public async Task AnMcpServerInAnImage_RunsWithTheImagesTreeAsItsRoot_AndWhatItWritesIsJournaled()
    {
        var dir = Cli.NewTempDir();
        File.Copy(images.NodeMcp, Path.Combine(dir, "node.tar"));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"), """
            {"id": "mem", "prompt": "remember", "image": "oci-archive:node.tar", "tools": ["read_file"], "mcp_servers": [{"name": "memory", "command": ["node", "/opt/mcp/node_modules/@modelcontextprotocol/server-memory/dist/index.js"], "env": {"MEMORY_FILE_PATH": "/testbed/memory.jsonl"}}]}
            """.Trim() + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """
            { "scenarios": [ { "turns": [
              { "tool_calls": [ { "name": "memory__create_entities", "arguments": { "entities": [ { "name": "Ada", "entityType": "person", "observations": ["in an image"] } ] } } ] },
              { "tool_calls": [ { "name": "read_file", "arguments": { "path": "memory.jsonl" } } ] },
              { "content": "Remembered." } ] } ] }
            """);
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "nm"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var results = ToolResults(await Cli.RunAsync(["trace", "nm:mem:0", "--data-dir", data])).ToList();
        Assert.Equal(["testbed/memory.jsonl"], results[0]["files_changed"]!.AsArray().Select(f => (string?)f));
        Assert.Contains("in an image", (string)results[1]["content"]!); // the file tools see what the server wrote, in the same tree
        var diff = Path.Combine(Cli.NewTempDir(), "diff");
        Assert.Equal(0, (await Cli.RunAsync(["workspace", "nm:mem:0", "--data-dir", data, "--out", diff])).ExitCode);
        Assert.Contains("\"Ada\"", await File.ReadAllTextAsync(Path.Combine(diff, "changed", "testbed", "memory.jsonl")));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("corrupt")]
    [InlineData("oversize")]
    [InlineData("unreachable-registry")]
    [InlineData("sandbox-none")]
    public async Task AnImageThatCannotBeHadOrRun_StopsRunAtStartUp_NamingTheTaskAndTheReason(string kind)
    {
        var dir = Cli.NewTempDir();
        if (kind == "corrupt") await File.WriteAllBytesAsync(Path.Combine(dir, "image.tar"), [.. Enumerable.Range(0, 8192).Select(i => (byte)(i * 7))]);
        if (kind is "oversize" or "sandbox-none") File.Copy(images.Busybox, Path.Combine(dir, "image.tar"));
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            """{"id": "fine", "prompt": "hi"}""",
            kind == "unreachable-registry" ? """{"id": "boxed", "prompt": "hi", "image": "docker://127.0.0.1:1/nothing/here:1"}"""
                : """{"id": "boxed", "prompt": "hi", "image": "oci-archive:image.tar"}""",
        ]);
        await File.WriteAllTextAsync(Path.Combine(dir, "small.conf"), "actor-rollouts.environment.max-image-bytes = 100KiB\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }""");
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "bad",
            .. kind switch { "oversize" => (string[])["--config", Path.Combine(dir, "small.conf")], "sandbox-none" => ["--sandbox", "none"], _ => [] }]);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        var reason = kind switch
        {
            "missing" => $"task 'boxed': image oci-archive:{Path.Combine(dir, "image.tar")}: {Path.Combine(dir, "image.tar")} does not exist",
            "corrupt" => $"task 'boxed': image oci-archive:{Path.Combine(dir, "image.tar")} cannot be read: ",
            "oversize" => "more than environment.max-image-bytes (102,400)",
            "sandbox-none" => "task 'boxed' runs in an image, and commands in an image run under bubblewrap: --sandbox none cannot run it",
            _ => "task 'boxed': image docker://127.0.0.1:1/nothing/here:1 cannot be read: ",
        };
        Assert.Contains(reason, run.Stderr);
        var fleets = await Cli.RunAsync(["sessions", "--fleet", "bad", "--data-dir", data, "--json"]);
        Assert.DoesNotContain("\"fine\"", fleets.Stdout); // nothing started, not even the task without an image
    }

    private static IEnumerable<JsonNode> ToolResults(CliResult trace) =>
        trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)
            .Where(l => (string?)l["type"] == "tool_call_completed").Select(l => l["data"]!);

    /// <summary>The listing of <paramref name="lower"/> with <paramref name="upper"/>'s entries over it (no deletions here).</summary>
    private static IReadOnlyList<string> Overlaid(string lower, string upper)
    {
        static string PathOf(string line) => line.Split(' ')[0].TrimEnd('/');
        var merged = TreeListing.Of(lower).ToDictionary(PathOf);
        foreach (var line in TreeListing.Of(upper)) merged[PathOf(line)] = line;
        return [.. merged.Values.Order(StringComparer.Ordinal)];
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));


    [Fact]
    public async Task AnAgentProgramInAnImage_ReachesItsGatewayThroughTheBridge_AndItsFixPassesTheGraderInside()
    {
        var dir = Cli.NewTempDir();
        var agent = Path.Combine(Cli.RepoRoot, "tests", "agents", "python_agent.py");
        var layout = await TestImages.BuildAsync(Path.Combine(dir, "agent-image"),
            [TestImages.Python, TestImages.CalcProject, root => File.Copy(agent, Path.Combine(Directory.CreateDirectory(Path.Combine(root, "opt", "agent")).FullName, "agent.py"))],
            workingDir: "/testbed");
        await TestImages.ArchiveAsync(layout, "oci-archive", Path.Combine(dir, "agent.tar"));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            """{"id": "fix", "prompt": "fix calc", "image": "oci-archive:agent.tar", "agent": {"command": ["python3", "/opt/agent/agent.py"]}, "grader": {"command": "python3 -m unittest -q test_calc"}}""" + "\n");
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [ { "match": "fix calc", "turns": [
              { "tool_calls": [ { "name": "shell", "arguments": { "command": "sed -i 's/a - b/a + b/' calc.py && pwd" } } ] },
              { "content": "Fixed." } ] } ] }
            """));
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "img"],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-engine" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(2, model.Requests.Count);
        var trajectory = JsonNode.Parse(File.ReadAllLines(Path.Combine(data, "fleets", "img", "trajectories.jsonl")).Single())!;
        Assert.Equal(("agent_exit", 1.0), ((string?)trajectory["stop_reason"], (double?)trajectory["reward"]));
        Assert.Equal("/testbed\n", (string?)trajectory["messages"]![3]!["content"]); // the agent ran in the image's working folder
        var trace = (await Cli.RunAsync(["trace", "img:fix:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!);
        var edit = trace.Single(l => (string?)l["type"] == "file_modified")["data"]!;
        Assert.Equal(("testbed/calc.py", "agent-turn-2"), ((string?)edit["path"], (string?)edit["tool_call_id"])); // paths in an image are from its root
        Assert.Contains("+    return a + b", (string?)edit["diff"]);
    }
}
