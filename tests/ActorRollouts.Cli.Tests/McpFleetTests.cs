using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>The MCP servers the tests run: the npm servers (server-memory, server-filesystem, server-everything, installed
/// by tests/run with <c>npm ci</c> from tests/mcp's lock file), copied into a task template as a task ships its servers,
/// and the tests' own fault server.</summary>
public sealed class McpServers : IAsyncLifetime
{
    public static string Folder => Path.Combine(Cli.RepoRoot, "tests", "mcp");

    public static string FaultServer => Path.Combine(Folder, "fault-server.mjs");

    /// <summary>A template holding <c>node_modules/</c> with the three npm servers, and the fault server.</summary>
    public string Template { get; private set; } = "";

    public Task InitializeAsync()
    {
        Template = Path.Combine(Cli.NewTempDir(), "template");
        CopyTree(Path.Combine(Folder, "node_modules"), Path.Combine(Template, "node_modules"));
        File.Copy(FaultServer, Path.Combine(Template, "fault-server.mjs"));
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The <c>mcp_servers</c> entry of an npm server shipped in the template, started in the session's sandbox.</summary>
    public static string Entry(string name, string package, string args = "", string env = "") =>
        $$"""{"name": "{{name}}", "command": ["node", "node_modules/@modelcontextprotocol/{{package}}/dist/index.js"{{args}}]{{(env.Length > 0 ? $", \"env\": {{{env}}}" : "")}}}""";

    internal static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var target = Path.Combine(to, Path.GetFileName(entry));
            if (new FileInfo(entry).LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (Directory.Exists(entry)) CopyTree(entry, target);
            else File.Copy(entry, target);
        }
    }
}

/// <summary>Tasks that bring MCP servers, end to end through the real CLI, the real servers and the real journal.</summary>
public class McpFleetTests(McpServers servers) : IClassFixture<McpServers>
{
    private static readonly string Memory = McpServers.Entry("memory", "server-memory", env: "\"MEMORY_FILE_PATH\": \"/workspace/memory.jsonl\"");
    private static readonly string Everything = McpServers.Entry("everything", "server-everything", ", \"stdio\"");
    private static readonly string Filesystem = McpServers.Entry("fs", "server-filesystem", ", \"/workspace\"");

    private async Task<(string Dir, string Data)> FleetFilesAsync(string script, params string[] tasks)
    {
        var dir = Cli.NewTempDir();
        Directory.Move(await CopyOfTemplateAsync(), Path.Combine(dir, "template"));
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), tasks);
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), script);
        return (dir, Path.Combine(dir, "data"));
    }

    private Task<string> CopyOfTemplateAsync()
    {
        var copy = Path.Combine(Cli.NewTempDir(), "template");
        Directory.CreateSymbolicLink(copy, servers.Template); // the run captures the template it names, following this one link
        return Task.FromResult(copy);
    }

    private static Task<CliResult> RunAsync(string dir, string data, string fleet, params string[] more) =>
        Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", fleet, .. more]);

    private static async Task<List<JsonNode>> ResultsAsync(string data, string sessionId) =>
        [.. (await Cli.RunAsync(["trace", sessionId, "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)
            .Where(l => (string?)l["type"] == "tool_call_completed").Select(l => l["data"]!)];

    private static string Calls(params (string Tool, string Arguments)[] calls) =>
        $$"""{ "scenarios": [ { "turns": [ {{string.Join(", ", calls.Select(c => $$"""{ "tool_calls": [ { "name": "{{c.Tool}}", "arguments": {{c.Arguments}} } ] }"""))}}, { "content": "Done." } ] } ] }""";

    [Fact]
    public async Task ServersTools_AreListedOncePerFleet_AndOfferedNamespacedNextToTheBuiltInOnes()
    {
        var dir = Cli.NewTempDir();
        Directory.Move(await CopyOfTemplateAsync(), Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            $$"""{"id": "t", "prompt": "look", "workspace": "template", "samples": 3, "tools": ["read_file"], "mcp_servers": [{{Memory}}, {{Everything}}]}""" + "\n");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{ "scenarios": [ { "turns": [ { "content": "Nothing to do." } ] } ] }"""));

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", server.BaseUrl.ToString(), "--data-dir", Path.Combine(dir, "data"), "--fleet-id", "list"],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith("mcp t/memory: 9 tools listed", StringComparison.Ordinal));
        Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith("mcp t/everything: ", StringComparison.Ordinal));
        Assert.Equal(3, server.Requests.Count);
        foreach (var request in server.Requests)
        {
            var offered = JsonNode.Parse(request.Body)!["tools"]!.AsArray().Select(t => (string)t!["function"]!["name"]!).ToList();
            Assert.Contains("read_file", offered);
            Assert.Contains("memory__read_graph", offered);
            Assert.Contains("memory__create_entities", offered);
            Assert.Contains("everything__get-tiny-image", offered);
            Assert.Equal(offered.Count, offered.Distinct().Count());
        }
    }

    [Fact]
    public async Task TheMemoryServersState_StaysWithItsSession()
    {
        var script = """
            { "scenarios": [
              { "match": "remember", "turns": [ { "tool_calls": [ { "name": "memory__create_entities", "arguments": { "entities": [ { "name": "Ada", "entityType": "person", "observations": ["wrote the first program"] } ] } } ] },
                                                { "tool_calls": [ { "name": "memory__read_graph", "arguments": {} } ] }, { "content": "Remembered." } ] },
              { "match": "recall", "turns": [ { "tool_calls": [ { "name": "memory__read_graph", "arguments": {} } ] }, { "content": "Recalled." } ] } ] }
            """;
        var (dir, data) = await FleetFilesAsync(script,
            $$"""{"id": "remember", "prompt": "remember Ada", "workspace": "template", "mcp_servers": [{{Memory}}]}""",
            $$"""{"id": "recall", "prompt": "recall", "workspace": "template", "mcp_servers": [{{Memory}}]}""");

        var run = await RunAsync(dir, data, "mem", "--concurrency", "1");

        Assert.True(run.ExitCode == 0, run.ToString());
        var remembered = (await ResultsAsync(data, "mem:remember:0")).Last();
        var recalled = (await ResultsAsync(data, "mem:recall:0")).Single();
        Assert.Contains("Ada", (string)remembered["content"]!);
        Assert.Empty(recalled["data"]!["structured"]!["entities"]!.AsArray()); // the other session's memory is not this one's
        Assert.Equal(["memory.jsonl"], (await ResultsAsync(data, "mem:remember:0")).First()["files_changed"]!.AsArray().Select(f => (string?)f));
    }

    [Fact]
    public async Task TheFilesystemServersWrites_AppearInFilesChangedWithDiffs_AndItsDestructiveToolsAskForConfirmation()
    {
        var script = Calls(("fs__write_file", """{ "path": "/workspace/notes.txt", "content": "one\ntwo\n" }"""),
            ("fs__edit_file", """{ "path": "/workspace/notes.txt", "edits": [ { "oldText": "two", "newText": "three" } ] }"""),
            ("fs__list_directory", """{ "path": "/workspace" }"""));
        var (dir, data) = await FleetFilesAsync(script, $$"""{"id": "fs", "prompt": "write notes", "workspace": "template", "mcp_servers": [{{Filesystem}}]}""");

        var run = await RunAsync(dir, data, "fs");
        var denied = await RunAsync(dir, Path.Combine(dir, "denied"), "fs", "--confirm", "deny");

        Assert.True(run.ExitCode == 0, run.ToString());
        var results = await ResultsAsync(data, "fs:fs:0");
        Assert.Equal(["notes.txt"], results[0]["files_changed"]!.AsArray().Select(f => (string?)f));
        Assert.Contains("+one\n+two", (string)results[0]["diffs"]![0]!["diff"]!);
        Assert.Contains("-two\n+three", (string)results[1]["diffs"]![0]!["diff"]!);
        Assert.Contains("[FILE] notes.txt", (string)results[2]["content"]!);
        var trace = (await Cli.RunAsync(["trace", "fs:fs:0", "--data-dir", data])).Stdout;
        Assert.Equal(2, trace.Split('\n').Count(l => l.Contains("\"confirmation_resolved\"", StringComparison.Ordinal))); // write and edit: destructive
        Assert.True(denied.ExitCode == 0, denied.ToString());
        var refused = await ResultsAsync(Path.Combine(dir, "denied"), "fs:fs:0");
        Assert.Equal(["E_CONFIRMED_DENY", "E_CONFIRMED_DENY", null], refused.Select(r => (string?)r["error_code"]));
        Assert.False(File.Exists(Path.Combine(Cli.Changes(Path.Combine(dir, "denied"), "fs", "fs-0"), "notes.txt")));
    }

    /// <summary>The tests' fault server, started outside the sandbox (<c>sandbox: false</c>) from tests/mcp.</summary>
    private static string Faults(string name = "faults", string extra = "", string env = "") =>
        $$"""{"name": "{{name}}", "command": ["node", "{{McpServers.FaultServer}}"{{extra}}], "sandbox": false{{(env.Length > 0 ? $", \"env\": {{{env}}}" : "")}}}""";

    [Fact]
    public async Task ServerFaults_AreErrorResultsWithTheirCodes_AndTheSessionGoesOn()
    {
        var markers = Cli.NewTempDir();
        var script = Calls(("faults__fail", "{}"), ("faults__big", "{}"), ("faults__whoami", "{}"), ("faults__crash", "{}"), ("faults__whoami", "{}"),
            ("faults__hang", "{}"), ("faults__whoami", "{}"), ("faults__nonsense", "{}"));
        var (dir, data) = await FleetFilesAsync(script,
            $$"""{"id": "f", "prompt": "break things", "mcp_servers": [{{Faults(env: $"\"MARKER_DIR\": \"{markers}\"")}}]}""");
        await File.WriteAllTextAsync(Path.Combine(dir, "short.conf"), "actor-rollouts.environment.tool-timeout = 3s\n");

        var run = await RunAsync(dir, data, "faults", "--config", Path.Combine(dir, "short.conf"));

        Assert.True(run.ExitCode == 0, run.ToString());
        var results = await ResultsAsync(data, "faults:f:0");
        Assert.Equal(["E_TOOL_ERROR", null, null, "E_INTERNAL", null, "E_TIMEOUT", null, "E_TOOL_UNKNOWN"], results.Select(r => (string?)r["error_code"]));
        Assert.Contains("the fault server failed on purpose", (string)results[0]["content"]!);
        Assert.True((int)results[1]["data"]!["truncated_chars"]! > 10_000_000, "the 10 MB answer was not cut"); // 10 MB in, a capped result out
        Assert.True(((string)results[1]["content"]!).Length < 20_000);
        Assert.Contains("crashing in the middle of a call", (string)results[3]["data"]!["stderr_tail"]!);
        Assert.Equal(3, (int)results[3]["data"]!["exit_code"]!);
        Assert.NotEqual((string)results[2]["content"]!, (string)results[4]["content"]!); // started again after the crash: another pid
        Assert.Contains("did not finish in time", (string)results[5]["content"]!);
        Assert.True(File.Exists(Path.Combine(markers, "cancelled.log")), "the server was not told the timed-out call is cancelled");
        Assert.Equal((string)results[4]["content"]!, (string)results[6]["content"]!); // a timeout does not stop the server
        Assert.Empty(ProcessTable.Mentioning(McpServers.FaultServer)); // nothing left running
    }

    [Fact]
    public async Task AServerThatNeverAnswersInitialize_StopsRunAtStartUp_NamingTheTaskAndTheServer()
    {
        var (dir, data) = await FleetFilesAsync(Calls(("silent__whoami", "{}")),
            $$"""{"id": "quiet", "prompt": "hello", "mcp_servers": [{{Faults("silent", ", \"--never-initialize\"")}}]}""");
        await File.WriteAllTextAsync(Path.Combine(dir, "short.conf"), "actor-rollouts.environment.mcp-start-timeout = 2s\n");

        var run = await RunAsync(dir, data, "silent", "--config", Path.Combine(dir, "short.conf"));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("task 'quiet': MCP server 'silent' could not start: it did not answer initialize within 2 s", run.Stderr);
        Assert.Empty(ProcessTable.Mentioning(McpServers.FaultServer));
    }

    [Fact]
    public async Task AForkOffersTheToolsTheFleetListed_AndAToolTheServerNoLongerHasIsUnknown_WithAWarning()
    {
        var markers = Cli.NewTempDir();
        var (dir, data) = await FleetFilesAsync(Calls(("faults__whoami", "{}"), ("faults__token", "{}")),
            $$"""{"id": "who", "prompt": "who", "mcp_servers": [{{Faults(env: $"\"MARKER_DIR\": \"{markers}\"")}}]}""");
        var run = await RunAsync(dir, data, "orig");
        Assert.True(run.ExitCode == 0, run.ToString());
        await File.WriteAllTextAsync(Path.Combine(markers, "hide-whoami"), ""); // the server changed: no whoami any more

        var fork = await Cli.RunAsync(["fork", "orig:who:0", "--at", "1", "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "forked"]);

        Assert.True(fork.ExitCode == 0, fork.ToString());
        var results = await ResultsAsync(data, "forked:who:0");
        Assert.Equal("E_TOOL_UNKNOWN", (string?)results[0]["error_code"]);
        Assert.Contains("no longer offers 'whoami'", (string)results[0]["content"]!);
        Assert.Contains("lists other tools than when the fleet started (new: none; gone: whoami)", (string)results[1]["data"]!["warning"]!); // journaled
        var offered = (await Cli.RunAsync(["trace", "forked:who:0", "--data-dir", data])).Stdout;
        Assert.Contains("faults__whoami", offered); // still offered: the fork has the fleet's list
    }

    [Theory]
    [InlineData(false, "unreachable: ")]
    [InlineData(true, "connected")]
    public async Task ASandboxedServerShippedInTheTemplate_HasNoNetworkUnlessItsEntrySays(bool network, string expected)
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var (dir, data) = await FleetFilesAsync(Calls(("boxed__net", $$"""{ "host": "127.0.0.1", "port": {{port}} }""")),
            $$"""{"id": "net", "prompt": "connect", "workspace": "template", "mcp_servers": [{"name": "boxed", "command": ["node", "fault-server.mjs"], "network": {{(network ? "true" : "false")}}}]}""");

        var run = await RunAsync(dir, data, "net");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.StartsWith(expected, (string)(await ResultsAsync(data, "net:net:0")).Single()["content"]!);
    }

    [Fact]
    public async Task KilledMidCall_AReadOnlyToolRunsAgainOnResume_AndAnyOtherIsAnsweredInterrupted()
    {
        var markers = Cli.NewTempDir();
        var server = Faults(env: $"\"MARKER_DIR\": \"{markers}\"");
        var (dir, data) = await FleetFilesAsync("{}",
            $$"""{"id": "reader", "prompt": "read slowly", "mcp_servers": [{{server}}]}""",
            $$"""{"id": "writer", "prompt": "write slowly", "mcp_servers": [{{server}}]}""");
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [
              { "match": "read slowly", "turns": [ { "tool_calls": [ { "name": "faults__slow_read", "arguments": {} } ] }, { "content": "Read." } ] },
              { "match": "write slowly", "turns": [ { "tool_calls": [ { "name": "faults__slow_write", "arguments": {} } ] }, { "content": "Wrote." } ] } ] }
            """));
        string[] run = ["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "kill", "--concurrency", "2"];
        using var reading = new FileAppears(markers, "read.started");
        using var writing = new FileAppears(markers, "write.started");
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var first = Cli.Start(run);

        await Task.WhenAny(Task.WhenAll(reading.Seen, writing.Seen).WaitAsync(bounded.Token), first.WaitForExitAsync(bounded.Token));
        Assert.True(reading.Seen.IsCompleted && writing.Seen.IsCompleted, "both slow calls should have started before the run ended");
        first.Kill(); // SIGKILL, both calls in the middle
        await first.WaitForExitAsync();
        var resume = await Cli.RunAsync(["resume", "kill", "--data-dir", data], environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-test" });

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("2 sessions: 2 completed", resume.Stdout);
        var read = (await ResultsAsync(data, "kill:reader:0")).Single();
        var written = (await ResultsAsync(data, "kill:writer:0")).Single();
        Assert.Equal((true, "read done"), ((bool)read["ok"]!, (string)read["content"]!)); // read-only: simply run again
        Assert.Equal("E_INTERRUPTED", (string?)written["error_code"]);                     // it may have half happened: the model is told
        Assert.Equal(2, File.ReadAllLines(Path.Combine(markers, "read.log")).Length);
        Assert.Single(File.ReadAllLines(Path.Combine(markers, "write.log")));
        Assert.Empty(ProcessTable.Mentioning(McpServers.FaultServer));
    }

    [Fact]
    public async Task TwoHundredSessions_StartTheirServersOnlyWhenTheyCallThem_AndLeaveNoneRunning()
    {
        var starts = Path.Combine(Cli.NewTempDir(), "starts.log");
        var server = Faults(env: $"\"START_LOG\": \"{starts}\"");
        var script = """
            { "scenarios": [
              { "match": "call it", "turns": [ { "tool_calls": [ { "name": "faults__whoami", "arguments": {} } ] }, { "content": "Called." } ] },
              { "turns": [ { "content": "No need." } ] } ] }
            """;
        var (dir, data) = await FleetFilesAsync(script,
            $$"""{"id": "calls", "prompt": "call it", "samples": 100, "mcp_servers": [{{server}}]}""",
            $$"""{"id": "quiet", "prompt": "answer", "samples": 100, "mcp_servers": [{{server}}]}""");

        var run = await RunAsync(dir, data, "many", "--concurrency", "32");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("200 sessions: 200 completed", run.Stdout);
        var pids = File.ReadAllLines(starts).Select(int.Parse).ToList();
        Assert.Equal(1 + 100, pids.Count); // one listing its tools for the fleet, one per session that called it
        Assert.Empty(ProcessTable.Mentioning(McpServers.FaultServer));
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "), $"server {pid} is still running"));
    }

    [Fact]
    public async Task ASecretInAServersEnv_ReachesTheServer_ButNeverTheJournal()
    {
        const string secret = "s3cr3t-value-9f1c";
        var (dir, data) = await FleetFilesAsync(Calls(("faults__token", "{}")),
            $$"""{"id": "tok", "prompt": "check", "mcp_servers": [{{Faults(env: "\"TOKEN\": \"${AR_TEST_MCP_TOKEN}\"")}}]}""");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "tok"],
            environment: new Dictionary<string, string?> { ["AR_TEST_MCP_TOKEN"] = secret });

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal($"token set, {secret.Length} characters", (string)(await ResultsAsync(data, "tok:tok:0")).Single()["content"]!);
        var journal = await File.ReadAllBytesAsync(Path.Combine(data, "journal.db"));
        Assert.Equal(-1, journal.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)));
        Assert.NotEqual(-1, journal.AsSpan().IndexOf("${AR_TEST_MCP_TOKEN}"u8)); // the entry as written
    }

    [Fact]
    public async Task AStreamableHttpServer_GetsOneMcpSessionPerRolloutSession_JournaledWithEveryCall()
    {
        await using var remote = await HttpEverythingAsync();
        var (dir, data) = await FleetFilesAsync(Calls(("remote__echo", """{ "message": "one" }"""), ("remote__echo", """{ "message": "two" }""")),
            $$"""{"id": "http", "prompt": "echo", "samples": 2, "mcp_servers": [{"name": "remote", "url": "{{remote.Url}}"}]}""");

        var run = await RunAsync(dir, data, "http");

        Assert.True(run.ExitCode == 0, run.ToString());
        var first = await ResultsAsync(data, "http:http:0");
        var second = await ResultsAsync(data, "http:http:1");
        Assert.Equal(["Echo: one", "Echo: two"], first.Select(r => (string?)r["content"]));
        var ids = first.Concat(second).Select(r => (string?)r["data"]!["mcp_session_id"]).ToList();
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.Equal(ids[0], ids[1]);
        Assert.Equal(ids[2], ids[3]);
        Assert.NotEqual(ids[0], ids[2]);
    }

    /// <summary>server-everything over Streamable HTTP on a free loopback port, until disposed.</summary>
    private static async Task<RemoteServer> HttpEverythingAsync()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var start = new System.Diagnostics.ProcessStartInfo("node", [Path.Combine(McpServers.Folder, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js"), "streamableHttp"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["PORT"] = port.ToString();
        var process = System.Diagnostics.Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardError.ReadLineAsync(bounded.Token) is { } line) // it says it listens on stderr
            if (line.Contains($"listening on port {port}", StringComparison.Ordinal))
            {
                _ = process.StandardError.ReadToEndAsync();
                return new RemoteServer(process, $"http://127.0.0.1:{port}/mcp");
            }
        throw new InvalidOperationException("server-everything ended before it listened");
    }

    private sealed record RemoteServer(System.Diagnostics.Process Process, string Url) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
            Process.Dispose();
        }
    }

    [Theory]
    [InlineData("""{"name": "ghost", "command": ["no-such-server", "--flag"]}""",
        "task 'bad': MCP server 'ghost' could not start: it exited (code 1) before initialize was answered; its stderr ends: bwrap: execvp no-such-server: No such file or directory")]
    [InlineData("""{"name": "gone", "url": "http://127.0.0.1:1/mcp"}""", "task 'bad': MCP server 'gone' could not be reached: Connection refused")]
    public async Task AServerThatCannotBeHad_StopsRunAtStartUp_WithItsReason(string entry, string expected)
    {
        var (dir, data) = await FleetFilesAsync(Calls(("x__y", "{}")), $$"""{"id": "bad", "prompt": "hello", "mcp_servers": [{{entry}}]}""");

        var run = await RunAsync(dir, data, "bad");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("Unhandled exception", run.Stderr);
    }

    [Fact]
    public async Task AnImageResult_IsStoredInBlobsAndNamedInTheResult()
    {
        var (dir, data) = await FleetFilesAsync(Calls(("everything__get-tiny-image", "{}"), ("everything__get-structured-content", """{ "location": "Chicago" }""")),
            $$"""{"id": "img", "prompt": "show me", "workspace": "template", "mcp_servers": [{{Everything}}]}""");

        var run = await RunAsync(dir, data, "img");

        Assert.True(run.ExitCode == 0, run.ToString());
        var results = await ResultsAsync(data, "img:img:0");
        var media = results[0]["data"]!["media"]![0]!;
        var sha = (string)media["sha256"]!;
        var blob = Path.Combine(data, "blobs", sha[..2], sha);
        Assert.Equal(("image", "image/png"), ((string?)media["type"], (string?)media["mime_type"]));
        Assert.Equal((long)media["bytes"]!, new FileInfo(blob).Length);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(blob)[..4]);
        Assert.Contains($"[image image/png, {(long)media["bytes"]!:N0} bytes, sha256 {sha[..12]}]", (string)results[0]["content"]!);
        Assert.NotNull(results[1]["data"]!["structured"]!["temperature"]);
    }
}
