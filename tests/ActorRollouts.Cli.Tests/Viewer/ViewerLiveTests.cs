using ActorRollouts.FakeLlm;
using PuppeteerSharp;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary><c>run --view</c>: the viewer beside a running fleet, followed live in Chromium without reloading.</summary>
[Collection(BrowserTests.Name)]
public sealed class ViewerLiveTests(Chromium chromium) : IClassFixture<Chromium>
{
    // "slow" takes about 3 s; "slower" about 10 s, so the fleet (and its viewer) outlives "slow" by several seconds.
    private const string Script = """
        { "scenarios": [
          { "match": "Go slowly", "delay_ms": 1000, "turns": [
              { "content": "Looking.", "tool_calls": [ { "name": "write_file", "arguments": { "path": "a.txt", "content": "one\n" } } ] },
              { "tool_calls": [ { "name": "edit_file", "arguments": { "path": "a.txt", "old_string": "one", "new_string": "two" } } ] },
              { "content": "Done slowly." } ] },
          { "match": "Go slower", "delay_ms": 2500, "turns": [
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "b.txt", "content": "b\n" } } ] },
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "c.txt", "content": "c\n" } } ] },
              { "tool_calls": [ { "name": "write_file", "arguments": { "path": "d.txt", "content": "d\n" } } ] },
              { "content": "Done slower." } ] } ] }
        """;

    [Fact]
    public async Task ARunningFleetAndSession_UpdateLive_WithoutReloading()
    {
        var dir = Cli.NewTempDir();
        await File.WriteAllLinesAsync(Path.Combine(dir, "tasks.jsonl"),
        [
            """{"id":"slow","prompt":"Go slowly.","tools":["write_file","edit_file"]}""",
            """{"id":"slower","prompt":"Go slower.","tools":["write_file"]}""",
        ]);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        await using var run = await ViewerProcess.StartAsync("run", Path.Combine(dir, "tasks.jsonl"), "--base-url", server.BaseUrl.ToString(),
            "--data-dir", Path.Combine(dir, "data"), "--fleet-id", "live", "--view", "--view-port", "0");
        await server.WhenRequest(r => r.Body.Contains("Go slowly"));

        var problems = new List<string>();
        var fleets = await chromium.NewPageAsync(problems);
        var session = await chromium.NewPageAsync(problems);
        await fleets.GoToAsync(new Uri(run.Root, "/").ToString());
        await session.GoToAsync(new Uri(run.Root, $"/sessions/{Uri.EscapeDataString("live:slow:0")}").ToString());
        await session.WaitForSelectorAsync("#timeline .entry");
        await fleets.WaitForSelectorAsync("tr[data-fleet=live][data-status=running]");
        foreach (var page in new[] { fleets, session }) await page.EvaluateExpressionAsync("window.__loadedOnce = true");
        Assert.Equal("running", await session.EvaluateExpressionAsync<string>("document.querySelector('#session-status').textContent"));
        var entriesAtFirst = await session.EvaluateExpressionAsync<int>("document.querySelectorAll('#timeline .entry').length");
        Assert.False(await session.EvaluateExpressionAsync<bool>("!!document.querySelector('.entry[data-type=session_completed]')"));

        // The session's remaining turns arrive as they are journaled: the edit's diff, then its end.
        await session.WaitForSelectorAsync(".entry[data-type=session_completed]", new WaitForSelectorOptions { Timeout = 30_000 });
        Assert.True(await session.EvaluateExpressionAsync<bool>("window.__loadedOnce === true"), "the session page reloaded");
        Assert.True(await session.EvaluateExpressionAsync<int>("document.querySelectorAll('#timeline .entry').length") > entriesAtFirst);
        Assert.Equal(["+one", "+two"], await session.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll(\".diff[data-path='a.txt'] .d-add\")].map(d => d.textContent.trim())"));
        await session.WaitForFunctionAsync("() => document.querySelector('#session-status').textContent === 'completed'");

        // The front page counts it as completed while the fleet still runs. It is a background tab, where Chromium runs no
        // animation frames, so the check polls on a timer: polling on frames saw the page only once, and when that was
        // before its update arrived it next looked after the fleet had ended ("completed 2").
        await fleets.BringToFrontAsync();
        await fleets.WaitForFunctionAsync("() => document.querySelector('tr[data-fleet=live]').textContent.includes('completed 1')",
            new WaitForFunctionOptions { Timeout = 30_000, PollingInterval = 100 });
        Assert.True(await fleets.EvaluateExpressionAsync<bool>("window.__loadedOnce === true"), "the fleets page reloaded");
        Assert.Equal("running", await fleets.EvaluateExpressionAsync<string>("document.querySelector('tr[data-fleet=live]').dataset.status"));

        await fleets.CloseAsync();
        await session.CloseAsync();
        Assert.True(problems.Count == 0, string.Join("\n", problems));

        // The run ends as usual once its fleet has; the viewer goes with it.
        var (exit, stderr) = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exit == 0, stderr);
    }
}
