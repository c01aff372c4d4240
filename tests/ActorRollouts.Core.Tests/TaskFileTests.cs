using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;

namespace ActorRollouts.Core.Tests;

public class TaskFileTests
{
    private static readonly Func<string, bool> KnownTools = name => name is "read_file" or "write_file";

    private static IReadOnlyList<TaskDefinition> Parse(params string[] lines) =>
        TaskFile.Parse(lines, "tasks.jsonl", Path.GetTempPath(), KnownTools);

    private static string ErrorOf(params string[] lines) => Assert.Throws<TaskFileException>(() => Parse(lines)).Message;

    [Fact]
    public void Parse_ValidLines_ReadsEveryFieldAndSkipsBlankLines()
    {
        var tasks = Parse(
            """{"id":"a","prompt":"do a","system":"sys","tools":["read_file"],"max_turns":3,"samples":2,"model":"m","metadata":{"k":1}}""",
            "",
            """{"id":"b","prompt":"do b"}""");

        Assert.Equal(2, tasks.Count);
        Assert.Equal(("a", "do a", "sys", 3, 2, "m", 1), (tasks[0].Id, tasks[0].Prompt, tasks[0].System, tasks[0].MaxTurns, tasks[0].Samples, tasks[0].Model, tasks[0].Line));
        Assert.Equal(["read_file"], tasks[0].Tools!);
        Assert.Equal(1, tasks[0].Metadata!["k"].GetInt32());
        Assert.Equal((1, 3), (tasks[1].Samples, tasks[1].Line));
    }

    [Theory]
    [InlineData("{\"id\":\"a\",\"prompt\":", "tasks.jsonl:2: not valid JSON")]
    [InlineData("[1,2]", "tasks.jsonl:2: each line must be a JSON object")]
    [InlineData("{\"prompt\":\"p\"}", "tasks.jsonl:2: 'id' is required")]
    [InlineData("{\"id\":\"b\"}", "tasks.jsonl:2: 'prompt' is required")]
    [InlineData("{\"id\":\"b c\",\"prompt\":\"p\"}", "tasks.jsonl:2: id 'b c' may use only")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"sample\":2}", "tasks.jsonl:2: unknown field 'sample'")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"samples\":0}", "tasks.jsonl:2: 'samples' must be a whole number")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"tools\":[\"rm_rf\"]}", "tasks.jsonl:2: unknown tool 'rm_rf'")]
    [InlineData("{\"id\":\"a\",\"prompt\":\"p\"}", "tasks.jsonl:2: task id 'a' is used twice (first on line 1)")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"workspace\":\"no-such-folder-xyz\"}", "tasks.jsonl:2: workspace folder 'no-such-folder-xyz' does not exist")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"image\":\"ubuntu:22.04\"}", "tasks.jsonl:2: 'image': 'ubuntu:22.04' is not an image reference: use docker://REF")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"image\":3}", "tasks.jsonl:2: 'image' must be a string")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"workdir\":\"/testbed\"}", "tasks.jsonl:2: 'workdir' is the folder inside the task's image; it needs an 'image'")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"image\":\"docker://x/y\",\"workdir\":\"testbed\"}", "tasks.jsonl:2: 'workdir' must be an absolute path inside the image")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"image\":\"docker://x/y\",\"workdir\":\"/a/../..\"}", "tasks.jsonl:2: 'workdir' must be an absolute path inside the image")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"image\":\"docker://x/y\",\"workspace\":\".\"}", "tasks.jsonl:2: a task has an 'image' or a 'workspace', not both")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":{}}", "tasks.jsonl:2: 'mcp_servers' must be an array of servers")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"command\":[\"x\"]}]}", "tasks.jsonl:2: mcp_servers[0]: 'name' is required")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"a__b\",\"command\":[\"x\"]}]}", "tasks.jsonl:2: mcp_servers[0]: name 'a__b' may use only")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\"}]}", "tasks.jsonl:2: mcp_servers[0] ('m'): give either 'command'")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":[\"x\"],\"url\":\"http://h/mcp\"}]}", "tasks.jsonl:2: mcp_servers[0] ('m'): give either 'command'")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":[]}]}", "tasks.jsonl:2: mcp_servers[0] ('m'): 'command' must be a non-empty array of strings")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":\"node s.js\"}]}", "tasks.jsonl:2: mcp_servers[0] ('m'): 'command' must be a non-empty array of strings")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":[\"x\"],\"headers\":{}}]}", "tasks.jsonl:2: mcp_servers[0] ('m'): unknown field 'headers' for a stdio server")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"url\":\"ftp://h\"}]}", "tasks.jsonl:2: mcp_servers[0] ('m'): 'url' must be an http:// or https:// URL")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":[\"x\"],\"env\":{\"K\":1}}]}", "tasks.jsonl:2: mcp_servers[0]: 'env' must be an object of strings")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":[\"x\"],\"sandbox\":\"no\"}]}", "tasks.jsonl:2: mcp_servers[0]: 'sandbox' must be true or false")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"mcp_servers\":[{\"name\":\"m\",\"command\":[\"x\"]},{\"name\":\"m\",\"url\":\"http://h\"}]}", "tasks.jsonl:2: two MCP servers are named 'm'")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"agent\":{\"command\":[]}}", "tasks.jsonl:2: agent: 'command' must be a non-empty array of strings")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"agent\":{\"command\":[\"x\"],\"cmd\":1}}", "tasks.jsonl:2: agent: unknown field 'cmd'")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"agent\":{\"command\":[\"x\"],\"env\":{\"OPENAI_API_KEY\":\"sk\"}}}", "tasks.jsonl:2: agent: 'env' may not set OPENAI_API_KEY")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"agent\":{\"command\":[\"x\"],\"timeout_s\":0}}", "tasks.jsonl:2: agent: 'timeout_s' must be a whole number")]
    [InlineData("{\"id\":\"b\",\"prompt\":\"p\",\"agent\":{\"command\":[\"x\"],\"network\":\"yes\"}}", "tasks.jsonl:2: agent: 'network' must be true or false")]
    public void Parse_BadSecondLine_NamesFileAndLine(string badLine, string expected)
    {
        var message = ErrorOf("""{"id":"a","prompt":"ok"}""", badLine);

        Assert.StartsWith(expected, message);
    }

    [Fact]
    public void Parse_AnImage_ResolvesALocalPathAgainstTheTaskFile_AndThePlanCarriesItToEverySample()
    {
        var tasks = TaskFile.Parse(["""{"id":"swe","prompt":"p","image":"oci-archive:images/swe.tar","workdir":"/testbed","samples":2}""",
            """{"id":"hub","prompt":"p","image":"docker://ghcr.io/org/img:1"}"""], "tasks.jsonl", "/data/tasks", KnownTools);
        var plan = FleetPlanner.Plan("f", tasks, new RunDefaults(new Model.Endpoint("http://x/v1", "m"), 5, ["bash"]));

        Assert.Equal(new SessionImage("oci-archive:/data/tasks/images/swe.tar", "/testbed"), tasks[0].Image);
        Assert.Equal(new SessionImage("docker://ghcr.io/org/img:1"), tasks[1].Image);
        Assert.Equal(["/testbed", "/testbed", "/"], plan.Select(s => s.Image!.StartDir));
        Assert.Equal("/d/images/sha256-ab/rootfs", (plan[0] with { Image = plan[0].Image! with { Digest = "sha256:ab" } }).LowerLayer("/d"));
        Assert.Null(plan[2].LowerLayer("/d")); // not captured yet: no digest, no tree
    }

    [Fact]
    public void McpServers_AreReadWithTheirDefaults_AndTheirToolsOfferedUnderTheServersName()
    {
        var task = Parse("""{"id":"a","prompt":"p","mcp_servers":[{"name":"fs","command":["node","srv.js"],"env":{"T":"${TOKEN}"}},{"name":"web","url":"https://mcp.example/mcp","confirm":false}]}""").Single();
        var (fs, web) = (task.McpServers![0], task.McpServers[1]);
        var schema = System.Text.Json.JsonDocument.Parse("{}").RootElement;
        var spec = FleetPlanner.Plan("f", [task], new RunDefaults(new Model.Endpoint("http://x/v1", "m"), 5, ["bash"]))[0] with
        {
            McpServers = [fs with { Tools = [new McpToolSpec("write.file", null, schema, DestructiveHint: true)] },
                          web with { Tools = [new McpToolSpec("delete", null, schema, DestructiveHint: true), new McpToolSpec("read", null, schema, ReadOnlyHint: true)] }],
        };

        Assert.Equal((true, true, false, "${TOKEN}"), (fs.IsStdio, fs.Sandbox, fs.Network, fs.Env!["T"])); // kept as written: filled only when it starts
        Assert.Equal(("https://mcp.example/mcp", false), (web.Url, web.Confirm));
        Assert.Equal("fs__write_file", fs.Offered("write.file")); // what an OpenAI function name may hold
        Assert.Equal(("fs", "write.file"), (spec.McpTool("fs__write_file")!.Value.Server.Name, spec.McpTool("fs__write_file")!.Value.Tool.Name));
        Assert.Null(spec.McpTool("fs__nothing"));
        Assert.True(spec.NeedsConfirmation("fs__write_file"));   // destructive
        Assert.False(spec.NeedsConfirmation("web__delete"));     // destructive, but its server says confirm: false
        Assert.False(spec.NeedsConfirmation("web__read"));
        Assert.True(spec.McpTool("web__read")!.Value.Tool.RunsAgain);
        Assert.False(spec.McpTool("web__delete")!.Value.Tool.RunsAgain);
    }

    [Fact]
    public void Agent_IsReadWithItsDefaults_AndThePlanCarriesItToEverySample()
    {
        var tasks = Parse("""{"id":"a","prompt":"p","samples":2,"agent":{"command":["node","agent.mjs"],"env":{"MODE":"fast"}}}""");

        var agent = tasks[0].Agent!;
        Assert.Equal(["node", "agent.mjs"], agent.Command);
        Assert.Equal("fast", agent.Env!["MODE"]);
        Assert.Equal((AgentSpec.DefaultTimeoutSeconds, false, false), (agent.TimeoutSeconds, agent.Network, agent.ModelFromAgent));
        var sessions = FleetPlanner.Plan("f", tasks, new RunDefaults(new Model.Endpoint("http://x/v1", "m"), 5, ["bash"]));
        Assert.All(sessions, s => Assert.Same(agent, s.Agent));
    }

    [Fact]
    public void Parse_EmptyFile_IsAnError()
    {
        Assert.Contains("holds no tasks", ErrorOf("", "  "));
    }

    [Fact]
    public void Plan_SamplesExpandToSessionIdsAndTaskOverridesWin()
    {
        var tasks = Parse("""{"id":"a","prompt":"p","samples":2,"model":"gpt-x","max_turns":2}""", """{"id":"b","prompt":"q"}""");
        var defaults = new RunDefaults(new Endpoint("http://h/v1", "gpt-4o"), 10, ["read_file"]);

        var sessions = FleetPlanner.Plan("fl", tasks, defaults);

        Assert.Equal(["fl:a:0", "fl:a:1", "fl:b:0"], sessions.Select(s => s.SessionId));
        Assert.Equal(("gpt-x", 2), (sessions[0].Endpoint.Model, sessions[0].MaxTurns));
        Assert.Equal(("gpt-4o", 10), (sessions[2].Endpoint.Model, sessions[2].MaxTurns));
        Assert.Equal(["read_file"], sessions[2].Tools);
    }
}

public class FleetPlannerRoutingTests
{
    [Fact]
    public void Plan_AutoApi_RoutesEachSessionByItsModelAndTaskApiWins()
    {
        var tasks = TaskFile.Parse([
                """{"id":"a","prompt":"p","model":"gpt-5.1-codex-high"}""",
                """{"id":"b","prompt":"p"}""",
                """{"id":"c","prompt":"p","model":"o3","api":"chat"}""",
            ], "t.jsonl", Path.GetTempPath(), _ => true);

        var sessions = FleetPlanner.Plan("f", tasks, new RunDefaults(new Endpoint("http://h/v1", "gpt-4o", "auto"), 5, []));

        Assert.Equal(["responses", "chat", "chat"], sessions.Select(s => s.Endpoint.Api));
        Assert.Equal("gpt-5.1-codex-high", sessions[0].Endpoint.Model); // the suffix is stripped only when sent
    }

    [Fact]
    public void Parse_BadApi_NamesTheLine()
    {
        Assert.StartsWith("t.jsonl:1: 'api' must be auto, chat or responses",
            Assert.Throws<TaskFileException>(() => TaskFile.Parse(["""{"id":"a","prompt":"p","api":"grpc"}"""], "t.jsonl", "/", _ => true)).Message);
    }
}
