using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests.Cluster;

/// <summary>Agent sessions on a cluster: each node runs a gateway of its own, and a session's program, sandboxed on the node
/// that hosts the session, reaches the model through it.</summary>
public class ClusterAgentTests
{
    [Fact]
    public async Task AgentTasks_OnTwoNodes_EachProgramRunsWhereItsSessionIs_AndEveryOneCompletes()
    {
        await using var cluster = await RolloutCluster.StartAsync(2);
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [ { "delay_ms": 200, "turns": [
              { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo Hello > greeting.txt" } } ] }, { "content": "Fixed." } ] } ] }
            """));
        var dir = Cli.NewTempDir();
        var template = Directory.CreateDirectory(Path.Combine(dir, "template")).FullName;
        File.Copy(Path.Combine(AgentPrograms.Folder, "python_agent.py"), Path.Combine(template, "python_agent.py"));
        await File.WriteAllTextAsync(Path.Combine(template, "greeting.txt"), "Helo\n");
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllTextAsync(tasks,
            """{"id": "fix", "prompt": "Fix the greeting", "samples": 8, "workspace": "template", "agent": {"command": ["python3", "python_agent.py"]}, "grader": {"command": "grep -q Hello greeting.txt"}}""" + "\n");
        var data = Path.Combine(dir, "data");

        var run = await cluster.RunAsync(["run", tasks, "--base-url", model.BaseUrl.ToString(), "--fleet-id", "agents", "--concurrency", "8",
            .. cluster.SubmitterOptions(data)]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("8 sessions: 8 completed", run.Stdout);
        Assert.Equal(16, model.Requests.Count);
        var rows = JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "agents", "--json", "--journal-url", cluster.JournalUrl, "--data-dir", data])).Stdout)!.AsArray();
        Assert.All(rows, r => Assert.Equal(("agent_exit", 1.0), ((string?)r!["stop_reason"], (double?)r["reward"])));
        Assert.Equal(2, rows.Select(r => (string?)r!["node"]).Distinct().Count()); // both nodes ran agents
    }
}
