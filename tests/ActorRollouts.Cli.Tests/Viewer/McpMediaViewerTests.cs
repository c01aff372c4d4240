using PuppeteerSharp;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>An image an MCP server answered with (server-everything's <c>get-tiny-image</c>) shows on the session page in a
/// real Chromium, served from the blob store; a blob is never served as a type that could run something.</summary>
[Collection(BrowserTests.Name)]
public sealed class McpMediaViewerTests(McpServers servers, Chromium chromium) : IClassFixture<McpServers>, IClassFixture<Chromium>
{
    [Fact]
    public async Task AnImageFromAnMcpTool_ShowsOnTheSessionPage()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateSymbolicLink(Path.Combine(dir, "template"), servers.Template);
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"),
            $$"""{"id": "img", "prompt": "show me", "workspace": "template", "mcp_servers": [{{McpServers.Entry("everything", "server-everything", ", \"stdio\"")}}]}""" + "\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), """
            { "scenarios": [ { "turns": [ { "tool_calls": [ { "name": "everything__get-tiny-image", "arguments": {} } ] }, { "content": "There." } ] } ] }
            """);
        var data = Path.Combine(dir, "data");
        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "media"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        await using var viewer = await ViewerProcess.StartAsync("view", "--data-dir", data, "--port", "0");
        var problems = new List<string>();
        var page = await chromium.NewPageAsync(problems);

        await page.GoToAsync(new Uri(viewer.Root, $"/sessions/{Uri.EscapeDataString("media:img:0")}").ToString());
        await page.WaitForSelectorAsync("body[data-ready]");
        await page.WaitForFunctionAsync("() => document.querySelector('.entry.result img.media')?.complete && document.querySelector('.entry.result img.media').naturalWidth > 0");
        var sha = await page.EvaluateExpressionAsync<string>("document.querySelector('.entry.result img.media').dataset.sha");
        using var http = new HttpClient();
        var asHtml = await http.GetAsync(new Uri(viewer.Root, $"/api/blob?sha={sha}&type=text/html"));
        await page.CloseAsync();

        Assert.True(File.Exists(Path.Combine(data, "blobs", sha[..2], sha)));
        Assert.Equal("application/octet-stream", asHtml.Content.Headers.ContentType?.MediaType); // never run as a page
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
