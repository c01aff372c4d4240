using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>The agent programs the tests run (tests/agents: a standard-library Python agent, one on the official openai SDK,
/// one on the OpenAI Agents SDK, installed by tests/run with <c>npm ci</c>, and the probe), copied with their node_modules
/// into a task template beside a file to fix.</summary>
public sealed class AgentPrograms : IAsyncLifetime
{
    public static string Folder => Path.Combine(Cli.RepoRoot, "tests", "agents");

    public string Template { get; private set; } = "";

    public Task InitializeAsync()
    {
        Template = Path.Combine(Cli.NewTempDir(), "template");
        McpServers.CopyTree(Path.Combine(Folder, "node_modules"), Path.Combine(Template, "node_modules"));
        foreach (var program in Directory.EnumerateFiles(Folder).Where(f => f.EndsWith(".mjs") || f.EndsWith(".py") || f.EndsWith(".sh")))
            File.Copy(program, Path.Combine(Template, Path.GetFileName(program)));
        File.WriteAllText(Path.Combine(Template, "greeting.txt"), "Helo\n");
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Codex CLI's binary, as <c>npm ci</c> in tests/codex installed it.</summary>
    public static string CodexBinary => Path.Combine(Cli.RepoRoot, "tests", "codex", "node_modules", "@openai", "codex-linux-x64", "vendor",
        "x86_64-unknown-linux-musl", "bin", "codex");

    /// <summary>A fleet folder whose <c>template</c> is (a link to) the programs' template, with these tasks.</summary>
    public async Task<(string Dir, string Data)> FleetAsync(params string[] tasks)
    {
        var dir = Cli.NewTempDir();
        Directory.CreateSymbolicLink(Path.Combine(dir, "template"), Template); // the run captures what it names, following this link
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"), tasks);
        return (dir, Path.Combine(dir, "data"));
    }
}

/// <summary>Tasks that bring their own agent program: it runs in the session's sandbox and reaches the model only through the
/// session's gateway, end to end through the real CLI, real agent programs and SDKs, and the real journal.</summary>
public class AgentFleetTests(AgentPrograms programs) : IClassFixture<AgentPrograms>
{
    private const string EngineKey = "sk-engine-secret-4b1d";

    private const string FixScript = """
        { "scenarios": [ { "match": "Fix the greeting", "turns": [
          { "content": "Looking.", "tool_calls": [ { "name": "shell", "arguments": { "command": "cat greeting.txt" } } ] },
          { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo Hello > greeting.txt" } } ] },
          { "content": "Fixed." } ] },
          { "turns": [ { "content": "ok" } ] } ] }
        """;

    private static string AgentTask(string id, string command, string more = "") =>
        $$$"""{"id": "{{{id}}}", "prompt": "Fix the greeting", "workspace": "template", "agent": {"command": {{{command}}}{{{more}}}}, "grader": {"command": "grep -q Hello greeting.txt"}}""";

    private static Task<CliResult> RunAsync(string dir, string data, string fleet, FakeLlmServer model, params string[] more) =>
        Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", fleet, .. more],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = EngineKey });

    private static async Task<List<JsonNode>> TraceAsync(string data, string sessionId, string[]? journal = null) =>
        [.. (await Cli.RunAsync(["trace", sessionId, .. journal ?? ["--data-dir", data]])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];

    private static IEnumerable<JsonNode> Events(List<JsonNode> trace, string type) => trace.Where(l => (string?)l["type"] == type).Select(l => l["data"]!);

    private static Dictionary<string, JsonNode> Trajectories(string data, string fleet) =>
        File.ReadAllLines(Path.Combine(data, "fleets", fleet, "trajectories.jsonl")).Select(l => JsonNode.Parse(l)!).ToDictionary(t => (string)t["task_id"]!);

    [Fact]
    public async Task ThreeAgentPrograms_OnBothApis_RunAsSessions_EachTurnJournaledOnce_TheirEditsAsDiffs_GradedAndSampled()
    {
        var (dir, data) = await programs.FleetAsync(
            AgentTask("python", """["python3", "python_agent.py"]""", """, "env": {"AGENT_STREAM": "1"}"""),
            AgentTask("openai-sdk", """["node", "openai_agent.mjs"]""", """, "model_from_agent": true"""),
            AgentTask("agents-sdk", """["node", "agents_sdk_agent.mjs"]""", """, "env": {"AGENT_STREAM": "1"}"""),
            AgentTask("agents-sdk-chat", """["node", "agents_sdk_agent.mjs"]""", """, "env": {"AGENT_API": "chat"}"""));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(FixScript));

        var run = await RunAsync(dir, data, "three", model, "--tokens", "capture", "--model", "fleet-model");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(12, model.Requests.Count); // three turns each, no more
        // The fleet's model, unless the task lets its agent choose (the openai-sdk agent names gpt-4o).
        Assert.Equal([("fleet-model", 9), ("gpt-4o", 3)],
            model.Requests.GroupBy(r => (string)JsonNode.Parse(r.Body)!["model"]!).Select(g => (g.Key, g.Count())).OrderBy(g => g.Key));
        Assert.All(model.Requests, r => Assert.Equal($"Bearer {EngineKey}", r.Authorization)); // the model sees the engine's key; the agents never do
        var trajectories = Trajectories(data, "three");
        foreach (var task in new[] { "python", "openai-sdk", "agents-sdk", "agents-sdk-chat" })
        {
            var trajectory = trajectories[task];
            Assert.Equal(("completed", "agent_exit", 1.0), ((string?)trajectory["status"], (string?)trajectory["stop_reason"], (double?)trajectory["reward"]));
            var messages = trajectory["messages"]!.AsArray();
            Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant"], messages.Select(m => (string)m!["role"]!));
            Assert.Equal("Helo\n", (string?)messages[3]!["content"]); // what the agent's own tool saw
            Assert.Equal("Fixed.", (string?)messages[6]!["content"]);

            var trace = await TraceAsync(data, $"three:{task}:0");
            // Each request is journaled as what is new in it: the history the agent resent is a length, not a copy.
            var requests = Events(trace, "agent_request").ToList();
            Assert.All(requests, r => Assert.Equal(task == "agents-sdk" ? "responses" : "chat", (string?)r["api"]));
            Assert.All(requests, r => Assert.Equal(task == "python" ? "any" : "gpt-4o", (string?)r["model"])); // what the agent named, journaled
            Assert.All(Events(trace, "model_request_started"), r => Assert.Equal(task == "openai-sdk" ? "gpt-4o" : "fleet-model", (string?)r["model"]));
            Assert.Equal([0, 3, 5], requests.Select(r => (int)r["base_length"]!));
            Assert.Equal([2, 1, 1], requests.Select(r => (int)r["new_messages"]!));
            var edit = Assert.Single(Events(trace, "file_modified"));
            Assert.Equal(("greeting.txt", "agent-turn-3"), ((string?)edit["path"], (string?)edit["tool_call_id"]));
            Assert.Contains("-Helo\n+Hello\n", (string?)edit["diff"]);
            Assert.Equal(0, (int?)Assert.Single(Events(trace, "agent_exited"))["exit_code"]);
            Assert.Equal("Hello\n", await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, $"three:{task}:0"), "greeting.txt")));
        }

        var tokens = await Cli.RunAsync(["export", "--fleet", "three", "--format", "tokens", "--data-dir", data]);
        Assert.True(tokens.ExitCode == 0, tokens.ToString());
        var samples = tokens.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(4, samples.Count);
        Assert.All(samples, s => Assert.Equal("complete", (string?)s["tokens"]));
        Assert.Equal([3, 3, 3, 3], samples.Select(s => s["turns"]!.AsArray().Count)); // one sample of the whole conversation: no turn drifted
        Assert.All(samples, s => Assert.Contains(1, s["response_mask"]!.AsArray().Select(m => (int)m!)));
        Assert.All(samples, s => Assert.Contains(0, s["response_mask"]!.AsArray().Select(m => (int)m!))); // the agent's tool output, masked
    }

    [Fact]
    public async Task AnAgentWithoutNetwork_ReachesOnlyItsGateway_AndNeverSeesTheEnginesKey()
    {
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(FixScript));
        var targets = $$"""{\"model\": [\"127.0.0.1\", {{model.BaseUrl.Port}}]}""";
        string Probe(string id, string network) =>
            $$$$"""{"id": "{{{{id}}}}", "prompt": "probe", "workspace": "template", "agent": {"command": ["python3", "probe_agent.py"], "network": {{{{network}}}}, "env": {"PROBE": "contain", "PROBE_TARGETS": "{{{{targets}}}}"}}}""";
        var (dir, data) = await programs.FleetAsync(Probe("contained", "false"), Probe("networked", "true"));

        var run = await RunAsync(dir, data, "box", model);

        Assert.True(run.ExitCode == 0, run.ToString());
        var contained = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, "box:contained:0"), "probe.json")))!;
        Assert.Equal(200, (int?)contained["gateway_status"]);
        Assert.Equal(System.Text.Json.JsonValueKind.String, contained["reach_model"]!.GetValueKind()); // the connection error it got
        Assert.False((bool)contained["env_has_engine_key"]!);
        Assert.True((bool)contained["openai_api_key_is_session_token"]!);
        Assert.NotEqual(System.Text.Json.JsonValueKind.True, contained["proc_1_environ_has_engine_key"]!.GetValueKind()); // false, or unreadable
        // The same probe with network: true does reach the model's port: the probe can tell.
        var networked = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, "box:networked:0"), "probe.json")))!;
        Assert.True((bool)networked["reach_model"]!);
        Assert.False((bool)networked["env_has_engine_key"]!);
    }

    [Fact]
    public async Task BadRequests_GetOpenAiShapedErrors_AreJournaled_AndTheSessionGoesOn()
    {
        var (dir, data) = await programs.FleetAsync(
            """{"id": "bad", "prompt": "probe", "workspace": "template", "agent": {"command": ["python3", "probe_agent.py"], "env": {"PROBE": "bad"}}}""");
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(FixScript));

        var run = await RunAsync(dir, data, "bad", model);

        Assert.True(run.ExitCode == 0, run.ToString());
        var seen = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, "bad:bad:0"), "probe.json")))!;
        (int Status, string Message, string? Code) Error(string name) =>
            ((int)seen[name]![0]!, (string)seen[name]![1]!["error"]!["message"]!, (string?)seen[name]![1]!["error"]!["code"]);
        Assert.Equal(400, Error("broken_json").Status);
        Assert.StartsWith("The request body is not valid JSON", Error("broken_json").Message);
        Assert.Equal((400, "Unsupported field 'functions': this gateway cannot forward it."), (Error("unknown_field").Status, Error("unknown_field").Message));
        Assert.Equal("functions", (string?)seen["unknown_field"]![1]!["error"]!["param"]);
        Assert.Contains("messages[0].content[0]", Error("image_part").Message);
        Assert.Equal((401, "invalid_api_key"), (Error("wrong_key").Status, Error("wrong_key").Code));
        Assert.Equal(200, (int)seen["good"]![0]!);
        Assert.Equal("ok", (string?)seen["good"]![1]!["choices"]![0]!["message"]!["content"]);
        Assert.Single(model.Requests); // only the good one reached the model

        var trace = await TraceAsync(data, "bad:bad:0");
        Assert.Equal(3, Events(trace, "agent_request_rejected").Count()); // the wrong key names no session, so no journal holds it
        Assert.Equal("functions", (string?)Events(trace, "agent_request_rejected").ElementAt(1)["param"]);
        Assert.Equal("agent_exit", (string?)Events(trace, "session_completed").Single()["stop_reason"]);
    }

    [Fact]
    public async Task MaxTurnsBudgetTimeoutCrashAndCancel_StopTheProgram_AndJournalWhy()
    {
        var marker = $"ar-agent-{Guid.NewGuid():n}"[..22];
        string Probe(string id, string probe, string more = "", string agent = "", string env = "") =>
            $$$$"""{"id": "{{{{id}}}}", "prompt": "probe {{{{id}}}}", "workspace": "template"{{{{more}}}}, "agent": {"command": ["python3", "probe_agent.py", "{{{{marker}}}}"], "env": {"PROBE": "{{{{probe}}}}"{{{{env}}}}}{{{{agent}}}}}}""";
        var (dir, data) = await programs.FleetAsync(
            Probe("max-turns", "loop", ", \"max_turns\": 3"),
            Probe("stubborn", "stubborn", ", \"max_turns\": 2"),
            Probe("budget", "loop", ", \"budget\": {\"tokens\": 150}"),
            Probe("timeout", "sleep", agent: ", \"timeout_s\": 2"),
            Probe("crash", "crash"),
            Probe("cancelled", "sleep", env: ", \"PROBE_FILE\": \"cancel-probe.json\""));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(FixScript));

        using var run = Cli.Start(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "limits",
            "--concurrency", "5"]);
        // The session to cancel has started its program once the model has its first request (the model's log, not the
        // workspace: a file written through the overlay does not always reach a watcher of the folder beneath it).
        for (var seen = 1; !model.Requests.Any(r => r.Body.Contains("probe cancelled")); seen++)
            await model.WhenRequestsReach(seen).WaitAsync(TimeSpan.FromMinutes(2));
        var cancel = await Cli.RunAsync(["cancel", "limits:cancelled:0", "--data-dir", data, "--reason", "the test is done waiting"]);
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.Equal(0, run.ExitCode);
        Assert.Empty(ProcessTable.Mentioning(marker)); // every program was stopped, those that would have looped or slept forever too
        var ends = new Dictionary<string, JsonNode>();
        var exits = new Dictionary<string, JsonNode?>();
        foreach (var task in new[] { "max-turns", "stubborn", "budget", "timeout", "crash", "cancelled" })
        {
            var trace = await TraceAsync(data, $"limits:{task}:0");
            ends[task] = Events(trace, "session_completed").Single();
            exits[task] = Events(trace, "agent_exited").SingleOrDefault();
        }
        Assert.Equal(("max_turns", "the agent asked for turn 4; max_turns is 3"), ((string?)ends["max-turns"]["stop_reason"], (string?)ends["max-turns"]["detail"]));
        Assert.StartsWith("token budget of 150 reached", (string?)ends["budget"]["detail"]);
        Assert.Equal("agent_timeout", (string?)ends["timeout"]["stop_reason"]);
        Assert.True((bool)exits["timeout"]!["timed_out"]!);
        Assert.Equal("agent_exit", (string?)ends["crash"]["stop_reason"]);
        Assert.Equal(1, (int?)exits["crash"]!["exit_code"]);
        Assert.Contains("ValueError: the probe crashed on purpose", (string?)exits["crash"]!["stderr_tail"]);
        Assert.Equal(("cancelled", "the test is done waiting"), ((string?)ends["cancelled"]["stop_reason"], (string?)ends["cancelled"]["detail"]));
        // The program that asked past max_turns heard why, in the error shape its SDK reads, and exited by itself (its last
        // words journaled as its changes after its last request); one that kept asking was stopped after its grace.
        Assert.Equal(4, (int?)exits["max-turns"]!["exit_code"]);
        var refused = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, "limits:max-turns:0"), "probe.json")))!;
        Assert.Equal([200, 200, 200, 400], refused["statuses"]!.AsArray().Select(s => (int)s!));
        Assert.Equal("max_turns", (string?)refused["refusal"]!["error"]!["code"]);
        Assert.StartsWith("max_turns reached", (string?)refused["refusal"]!["error"]!["message"]);
        Assert.Equal("max_turns", (string?)ends["stubborn"]["stop_reason"]);
        Assert.Null((int?)exits["stubborn"]!["exit_code"]); // killed
        Assert.Equal("budget", (string?)ends["budget"]["stop_reason"]);
        Assert.Equal(4, (int?)exits["budget"]!["exit_code"]);
    }

    [Fact]
    public async Task CodexCli_RunsAsASession_ThroughTheGateway_OnTheResponsesApi()
    {
        var (dir, data) = await programs.FleetAsync(
            """{"id": "codex", "prompt": "Fix the greeting", "workspace": "codex", "agent": {"command": ["sh", "codex_agent.sh"], "timeout_s": 300}, "grader": {"command": "grep -q Hello greeting.txt"}}""");
        var template = Directory.CreateDirectory(Path.Combine(dir, "codex")).FullName;
        File.Copy(Path.Combine(AgentPrograms.Folder, "codex_agent.sh"), Path.Combine(template, "codex_agent.sh"));
        File.Copy(AgentPrograms.CodexBinary, Path.Combine(template, "codex"));
        await File.WriteAllTextAsync(Path.Combine(template, "greeting.txt"), "Helo\n");
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [ { "turns": [
              { "content": "Looking.", "tool_calls": [ { "name": "exec_command", "arguments": { "cmd": "cat greeting.txt" } } ] },
              { "tool_calls": [ { "name": "exec_command", "arguments": { "cmd": "echo Hello > greeting.txt" } } ] },
              { "content": "Fixed." } ] } ] }
            """));

        var run = await RunAsync(dir, data, "codex", model);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(3, model.Requests.Count);
        var trajectory = Trajectories(data, "codex")["codex"];
        Assert.Equal(("agent_exit", 1.0), ((string?)trajectory["stop_reason"], (double?)trajectory["reward"]));
        var trace = await TraceAsync(data, "codex:codex:0");
        var requests = Events(trace, "agent_request").ToList();
        Assert.All(requests, r => Assert.Equal(("responses", true), ((string?)r["api"], (bool)r["stream"]!)));
        Assert.Contains("exec_command", requests[0]["tools"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(0, (int)requests[0]["base_length"]!);
        Assert.All(requests.Skip(1), r => Assert.Equal(1, (int)r["new_messages"]!)); // Codex resends its history; the journal keeps the new
        var toolOutput = trace.First(l => (string?)l["role"] == "tool");
        Assert.Contains("Helo", (string?)toolOutput["content"]); // what Codex ran in the sandbox, as it told the model
        Assert.Equal("agent-turn-3", (string?)Assert.Single(Events(trace, "file_modified"))["tool_call_id"]);
        Assert.Equal(0, (int?)Assert.Single(Events(trace, "agent_exited"))["exit_code"]);
    }

    private const string CountScript = """
        { "scenarios": [ { "match": "Count to five", "delay_ms": 120, "turns": [
          { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo 1 >> count.txt" } } ] },
          { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo 2 >> count.txt" } } ] },
          { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo 3 >> count.txt" } } ] },
          { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo 4 >> count.txt" } } ] },
          { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo 5 >> count.txt" } } ] },
          { "content": "Counted." } ] } ] }
        """;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AKilledFleet_Resumes_EachAgentReplayedFromTheJournal_NoAnsweredCallRepeated_TheNonDeterministicOneDiverges(string journal)
    {
        string Counter(string id, string env = "") =>
            $$$"""{"id": "{{{id}}}", "prompt": "Count to five ({{{id}}})", "workspace": "template", "agent": {"command": ["python3", "python_agent.py"]{{{env}}}}, "grader": {"command": "test $(cat count.txt | tr -d [:space:]) = 12345"}}""";
        var (dir, data) = await programs.FleetAsync(Counter("a"), Counter("b"), Counter("c"),
            Counter("random", """, "env": {"AGENT_NONCE": "1"}"""));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(CountScript));
        var options = Cli.Journal(journal, data);
        Directory.CreateDirectory(data);

        using var first = Cli.Start(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--fleet-id", "k", "--concurrency", "4", .. options]);
        await model.WhenRequestsReach(10).WaitAsync(TimeSpan.FromMinutes(2));
        first.Kill(); // SIGKILL: the agent programs die with it
        await first.WaitForExitAsync();
        var beforeResume = model.Requests.Count;
        var resumed = await Cli.RunAsync(["resume", "k", .. options], environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = EngineKey });

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var trajectories = Trajectories(data, "k");
        Assert.All(trajectories.Values, t => Assert.Equal(("agent_exit", 1.0), ((string?)t["stop_reason"], (double?)t["reward"])));
        foreach (var id in new[] { "a", "b", "c" })
        {
            // Every answer is asked for once; only a request in flight at the kill may be sent again.
            var asked = model.Requests.Select(r => JsonNode.Parse(r.Body)!["messages"]!.AsArray())
                .Where(m => ((string?)m[1]!["content"])!.EndsWith($"({id})")).Select(m => m.Count).ToList();
            Assert.Equal(6, asked.Distinct().Count());
            Assert.InRange(asked.Count, 6, 7);
            var trace = await TraceAsync(data, $"k:{id}:0", options);
            Assert.Single(Events(trace, "session_resumed"));
            Assert.InRange(Events(trace, "agent_request").Count(), 6, 7); // six turns, and perhaps the one cut by the kill
            Assert.All(Events(trace, "replay_diverged"), d => Assert.StartsWith("the agent went past the journal", (string?)d["what"]));
            Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant", "tool", "assistant", "tool", "assistant", "tool", "assistant"],
                trajectories[id]["messages"]!.AsArray().Select(m => (string)m!["role"]!));
            // The workspace the journal describes is the one the run left: what the replay made again, and what came after.
            var rebuilt = await Cli.WorkspaceAsync(data, $"k:{id}:0", journalUrl: options.Length > 2 ? options[3] : null);
            Assert.Equal("1\n2\n3\n4\n5\n", await File.ReadAllTextAsync(Path.Combine(rebuilt, "count.txt")));
            Assert.Equal("1\n2\n3\n4\n5\n", await File.ReadAllTextAsync(Path.Combine(Cli.Changes(data, "k", $"{id}-0"), "count.txt")));
        }
        Assert.True(model.Requests.Count - beforeResume < 4 * 6, "the resume replayed, it did not start over");
        // The agent that says something new each run parts from its journal at once, says so, and still finishes.
        var random = await TraceAsync(data, "k:random:0", options);
        Assert.Single(Events(random, "session_resumed"));
        var diverged = Events(random, "replay_diverged").Single();
        Assert.Equal(0, (int)diverged["kept"]!);
        Assert.Contains("message 0 (system) differs", (string?)diverged["what"]);
        Assert.Equal(13, trajectories["random"]["messages"]!.AsArray().Count); // its abandoned turns are not in its trajectory
    }

    [Fact]
    public async Task AForkOfAnAgentSession_ReplaysTheParentToTheBranchPoint_ThenGoesLive()
    {
        string Counter(string id) =>
            $$$"""{"id": "{{{id}}}", "prompt": "Count to five ({{{id}}})", "workspace": "template", "agent": {"command": ["python3", "python_agent.py"]}, "grader": {"command": "test $(cat count.txt | tr -d [:space:]) = 12345"}}""";
        var (dir, data) = await programs.FleetAsync(Counter("p"));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(CountScript.Replace("\"delay_ms\": 120", "\"delay_ms\": 0")));
        var run = await RunAsync(dir, data, "parent", model);
        Assert.True(run.ExitCode == 0, run.ToString());
        var parent = await TraceAsync(data, "parent:p:0");
        var branch = (long)parent.Where(l => (string?)l["type"] == "model_response_received").ElementAt(2)["seq"]!; // after the third answer

        var fork = await Cli.RunAsync(["fork", "parent:p:0", "--at", branch.ToString(), "--fleet-id", "kid", "--base-url", model.BaseUrl.ToString(), "--data-dir", data],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = EngineKey });

        Assert.True(fork.ExitCode == 0, fork.ToString());
        Assert.Equal(6 + 3, model.Requests.Count); // the fork asked only for the turns after the branch point
        var trace = await TraceAsync(data, "kid:p:0");
        var diverged = Events(trace, "replay_diverged").Single();
        Assert.Equal(3, (int)diverged["kept"]!);
        Assert.StartsWith("the agent went past the journal's 3 turns", (string?)diverged["what"]);
        var trajectory = Trajectories(data, "kid")["p"];
        Assert.Equal(("agent_exit", 1.0), ((string?)trajectory["stop_reason"], (double?)trajectory["reward"]));
        Assert.Equal(13, trajectory["messages"]!.AsArray().Count); // the parent's first three turns, then its own
        Assert.Equal("1\n2\n3\n4\n5\n", await File.ReadAllTextAsync(Path.Combine(await Cli.WorkspaceAsync(data, "kid:p:0"), "count.txt")));
    }

    [Fact]
    public async Task ASecondConversation_IsAThreadOfItsOwn_InTheTraceTheTrajectoryAndTheTokenSamples()
    {
        var (dir, data) = await programs.FleetAsync(AgentTask("summarised", """["python3", "python_agent.py"]""", """, "env": {"AGENT_SUMMARISE": "1"}"""));
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(FixScript.Replace("""{ "turns": [ { "content": "ok" } ] }""",
            """{ "match": "Summarise", "turns": [ { "content": "I fixed the greeting." } ] }""")));

        var run = await RunAsync(dir, data, "threads", model, "--tokens", "capture");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(4, model.Requests.Count);
        var trace = await TraceAsync(data, "threads:summarised:0");
        var summary = Events(trace, "agent_request").Last();
        Assert.Equal((1, 0, 1, 1), ((int)summary["thread"]!, (int)summary["from_thread"]!, (int)summary["base_length"]!, (int)summary["new_messages"]!));
        Assert.Equal(2, trace.Count(l => (int?)l["thread"] == 1)); // its question and its answer, marked with their thread
        var trajectory = Trajectories(data, "threads")["summarised"];
        Assert.Equal(7, trajectory["messages"]!.AsArray().Count);
        var second = Assert.Single(trajectory["threads"]!.AsArray())!.AsArray();
        Assert.Equal(["system", "user", "assistant"], second.Select(m => (string)m!["role"]!));
        Assert.Equal("I fixed the greeting.", (string?)second[2]!["content"]);

        var samples = (await Cli.RunAsync(["export", "--fleet", "threads", "--format", "tokens", "--data-dir", data])).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([(0, 3, "first_turn"), (1, 1, "first_turn")],
            samples.Select(s => ((int)s["thread"]!, s["turns"]!.AsArray().Count, (string)s["start_reason"]!)));
    }

    [Fact]
    public async Task AServedFleet_RunsAgentTasks_AndStreamsTheirTrajectoriesAndSamples()
    {
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(FixScript));
        await using var serve = await Viewer.ViewerProcess.StartAsync("serve", "--data-dir", Cli.NewTempDir(), "--port", "0");
        using var http = new HttpClient { BaseAddress = serve.Root };
        var task = $$$"""{"id": "fix", "prompt": "Fix the greeting", "samples": 2, "workspace": "{{{programs.Template}}}", "agent": {"command": ["node", "openai_agent.mjs"]}, "grader": {"command": "grep -q Hello greeting.txt"}}""";

        var created = await http.PostAsync("/v1/fleets", new StringContent(
            $$"""{"fleet_id": "served", "settings": {"base_url": "{{model.BaseUrl}}", "model": "m", "tokens": "capture"}, "tasks": [{{task}}]}""",
            System.Text.Encoding.UTF8, "application/json"));
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        using var response = await http.GetAsync("/v1/fleets/served/trajectories?format=tokens&wait=120", HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        var samples = new List<JsonNode>();
        while (samples.Count < 2 && await lines.ReadLineAsync() is { } line) samples.Add(JsonNode.Parse(line)!);

        Assert.Equal(6, model.Requests.Count);
        Assert.All(samples, s => Assert.Equal(("agent_exit", 1.0, "complete"), ((string?)s["stop_reason"], (double?)s["reward"], (string?)s["tokens"])));
        Assert.Equal(["served:fix:0", "served:fix:1"], samples.Select(s => (string)s["session_id"]!).Order());
    }
}
