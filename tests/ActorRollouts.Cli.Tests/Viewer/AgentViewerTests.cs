using ActorRollouts.FakeLlm;
using PuppeteerSharp;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>An agent session on its page in a real Chromium: each request with what was new in it, the agent's own tool
/// output, its edit as a file change, its second conversation marked with its thread, and how its program ended.</summary>
[Collection(BrowserTests.Name)]
public sealed class AgentViewerTests(AgentPrograms programs, Chromium chromium) : IClassFixture<AgentPrograms>, IClassFixture<Chromium>
{
    [Fact]
    public async Task AnAgentSession_ShowsItsRequestsThreadsEditAndExit()
    {
        var (dir, data) = await programs.FleetAsync(
            """{"id": "fix", "prompt": "Fix the greeting", "workspace": "template", "agent": {"command": ["python3", "python_agent.py"], "env": {"AGENT_SUMMARISE": "1"}}}""");
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [ { "match": "Summarise", "turns": [ { "content": "Summary: fixed." } ] },
              { "match": "Fix the greeting", "turns": [
                { "tool_calls": [ { "name": "shell", "arguments": { "command": "echo Hello > greeting.txt" } } ] }, { "content": "Fixed." } ] } ] }
            """));
        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "agent"],
            environment: new Dictionary<string, string?> { ["OPENAI_API_KEY"] = "sk-engine" });
        Assert.True(run.ExitCode == 0, run.ToString());
        await using var viewer = await ViewerProcess.StartAsync("view", "--data-dir", data, "--port", "0");
        var problems = new List<string>();
        var page = await chromium.NewPageAsync(problems);

        await page.GoToAsync(new Uri(viewer.Root, $"/sessions/{Uri.EscapeDataString("agent:fix:0")}").ToString());
        await page.WaitForSelectorAsync("body[data-ready]");
        await page.WaitForSelectorAsync(".entry[data-type='agent_exited']");
        string[] Texts(string selector) => page.EvaluateExpressionAsync<string[]>(
            $"[...document.querySelectorAll(\"{selector}\")].map(e => e.textContent)").GetAwaiter().GetResult();
        var requests = Texts(".entry[data-type='agent_request'] .title");
        var toolResults = Texts(".entry.message.tool .role");
        var edits = Texts(".entry[data-type='file_modified'] .path");
        var threaded = Texts(".entry.message .role").Where(r => r.Contains("thread 1")).ToArray();
        var exit = Texts(".entry[data-type='agent_exited'] .title");
        await page.CloseAsync();

        Assert.Equal(["agent request · turn 1 · thread 0", "agent request · turn 2 · thread 0", "agent request · turn 3 · thread 1"], requests);
        Assert.Single(toolResults); // the agent's own tool's output, as it told the model
        Assert.Equal(["greeting.txt"], edits);
        Assert.Equal(2, threaded.Length); // the summariser's question and answer
        Assert.Equal(["agent program exited 0"], exit);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
