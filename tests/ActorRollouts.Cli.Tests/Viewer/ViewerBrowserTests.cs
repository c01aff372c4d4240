using System.Net;
using System.Text.Json.Nodes;
using PuppeteerSharp;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>The viewer in a real Chromium over a real journal: what a person does with it, step by step.</summary>
[Collection(BrowserTests.Name)]
public sealed class ViewerBrowserTests(ViewedFleet fleet, Chromium chromium) : IClassFixture<ViewedFleet>, IClassFixture<Chromium>, IAsyncLifetime
{
    private readonly List<string> _problems = [];
    private IPage _page = null!;

    public async Task InitializeAsync() => _page = await chromium.NewPageAsync(_problems);

    public async Task DisposeAsync()
    {
        await _page.CloseAsync();
        Assert.True(_problems.Count == 0, string.Join("\n", _problems)); // no script error, no dialog, on any page a test opened
    }

    private Uri At(string path) => new(fleet.Viewer.Root, path);

    private async Task OpenAsync(string path)
    {
        await _page.GoToAsync(At(path).ToString());
        await _page.WaitForSelectorAsync("body[data-ready]");
    }

    private Task<string> TextAsync(string selector) => _page.EvaluateFunctionAsync<string>("s => document.querySelector(s)?.textContent ?? ''", selector);

    private Task<int> CountAsync(string selector) => _page.EvaluateFunctionAsync<int>("s => document.querySelectorAll(s).length", selector);

    [Fact]
    public async Task FleetsPage_ThenFleet_FilterFailed_OpenTheFailedSession()
    {
        await OpenAsync("/");
        var row = await TextAsync($"tr[data-fleet='{ViewedFleet.FleetId}']");
        Assert.Contains("complete", row);
        Assert.Contains("completed 4", row);
        Assert.Contains("failed 1", row);

        await _page.ClickAsync($"tr[data-fleet='{ViewedFleet.FleetId}'] a");
        await _page.WaitForSelectorAsync("#sessions tbody tr");
        Assert.Equal(5, await CountAsync("#sessions tbody tr"));

        await _page.SelectAsync("select[name=status]", "failed");
        await _page.WaitForFunctionAsync("() => document.querySelector('#shown-count').textContent === '1 of 5 sessions'");
        Assert.Equal(1, await CountAsync("#sessions tbody tr"));
        Assert.Equal(1, await CountAsync("#sessions tbody tr[data-status=failed]"));
        Assert.Contains("status=failed", _page.Url); // the filtered view is a link that can be shared

        await _page.ClickAsync("#sessions tbody tr a");
        await _page.WaitForSelectorAsync("#timeline");
        Assert.Equal(At($"/sessions/{Uri.EscapeDataString($"{ViewedFleet.FleetId}:denied:0")}").ToString(), _page.Url);
        Assert.Equal("failed", await TextAsync("#session-status"));
        Assert.Contains("Incorrect API key provided", await TextAsync(".entry.end.failed"));
        Assert.Contains("HTTP 401", await TextAsync(".entry.failed-attempt"));
    }

    [Fact]
    public async Task FleetPage_FiltersByToolOnceTheSessionsAreRead_AndDrawsItsCharts()
    {
        await OpenAsync($"/fleets/{ViewedFleet.FleetId}");
        await _page.WaitForSelectorAsync("select[name=tool]:not([disabled])");
        await _page.SelectAsync("select[name=tool]", "write_file");
        await _page.WaitForFunctionAsync("() => document.querySelector('#shown-count').textContent === '1 of 5 sessions'");
        Assert.Equal($"{ViewedFleet.FleetId}:markup:0", await _page.EvaluateExpressionAsync<string>("document.querySelector('#sessions tbody tr').dataset.session"));
        // tool calls by tool (fix ×2 and flaky each read once and edit once; markup writes twice), most first, ties by name
        var bars = await _page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('.chart')].filter(c => c.querySelector('figcaption').textContent === 'tool calls by tool').flatMap(c => [...c.querySelectorAll('tr')].map(t => t.title))");
        Assert.Equal(["edit_file: 3", "read_file: 3", "write_file: 2"], bars);
    }

    [Fact]
    public async Task Session_ShowsTheRetriedAttempt_TheEditsDiff_AndItsWorkspaceAtAnyStep()
    {
        await OpenAsync($"/sessions/{Uri.EscapeDataString($"{ViewedFleet.FleetId}:flaky:0")}");
        var failed = await TextAsync(".entry.failed-attempt");
        Assert.Contains("HTTP 500", failed);
        Assert.Contains("retrying", failed);
        Assert.Equal(["model request · turn 1 · attempt 1", "model request · turn 1 · attempt 2"], await _page.EvaluateExpressionAsync<string[]>(
            "[...document.querySelectorAll('.entry[data-type=model_request_started] .title')].map(t => t.textContent).filter(t => t.includes('turn 1 '))"));
        Assert.Equal("-Helo, world!", (await TextAsync(".diff[data-path='greeting.txt'] .d-del")).Trim());
        Assert.Equal("+Hello, world!", (await TextAsync(".diff[data-path='greeting.txt'] .d-add")).Trim());
        Assert.Contains("ok", await TextAsync(".entry.result.ok"));

        // The workspace at the end, then as it was after the first model request (before the edit).
        await _page.WaitForSelectorAsync("#file-list button[data-path='greeting.txt']");
        await _page.ClickAsync("#file-list button[data-path='greeting.txt']");
        await _page.WaitForFunctionAsync("() => document.querySelector('#file-view pre')?.textContent === 'Hello, world!\\n'");
        await _page.ClickAsync(".entry[data-type=model_request_started] .seq");
        await _page.WaitForSelectorAsync("#file-list button[data-path='greeting.txt']");
        await _page.ClickAsync("#file-list button[data-path='greeting.txt']");
        await _page.WaitForFunctionAsync("() => document.querySelector('#file-view pre')?.textContent === 'Helo, world!\\n'");
    }

    [Fact]
    public async Task TwoPickedSessions_OpenSideBySide_AlignedByTurn()
    {
        await OpenAsync($"/fleets/{ViewedFleet.FleetId}");
        await _page.ClickAsync($"tr[data-session='{ViewedFleet.FleetId}:fix:0'] input[type=checkbox]");
        await _page.ClickAsync($"tr[data-session='{ViewedFleet.FleetId}:flaky:0'] input[type=checkbox]");
        await _page.ClickAsync("#compare-picked");
        await _page.WaitForSelectorAsync("#compare tbody tr");
        Assert.Contains($"{ViewedFleet.FleetId}:fix:0", await TextAsync("#compare thead"));
        Assert.Contains($"{ViewedFleet.FleetId}:flaky:0", await TextAsync("#compare thead"));
        // prompts, then the three model turns each session took, one row each
        Assert.Equal(["0", "1", "2", "3"], await _page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#compare tbody tr')].map(r => r.dataset.turn)"));
        // turn 1: only the flaky side has a failed attempt; turn 2: both sides show the same edit's diff
        Assert.Equal(new[] { 0, 1 }, await _page.EvaluateExpressionAsync<int[]>("[...document.querySelectorAll('#compare tr[data-turn=\"1\"] td')].map(td => td.querySelectorAll('.failed-attempt').length)"));
        Assert.Equal(new[] { 1, 1 }, await _page.EvaluateExpressionAsync<int[]>("[...document.querySelectorAll('#compare tr[data-turn=\"2\"] td')].map(td => td.querySelectorAll('.diff').length)"));
    }

    [Fact]
    public async Task MarkupFromTheModelAndInFileNames_ShowsAsText_AndRunsNothing()
    {
        var sessionId = $"{ViewedFleet.FleetId}:markup:0";
        await OpenAsync($"/sessions/{Uri.EscapeDataString(sessionId)}");
        var assistant = await TextAsync(".entry.message.assistant pre.text");
        Assert.Equal($"{ViewedFleet.ScriptInMessage} and {ViewedFleet.ImgInMessage}", assistant);
        Assert.Contains(ViewedFleet.FileName, await TextAsync(".entry.message.assistant .args"));

        await _page.WaitForSelectorAsync("#file-list button[data-path]");
        Assert.Equal([ViewedFleet.FileName, ViewedFleet.ScriptFileName],
            await _page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#file-list button[data-path]')].map(b => b.textContent)"));
        Assert.Contains(ViewedFleet.ScriptFileName, await TextAsync("#timeline"));
        await _page.ClickAsync("#file-list button[data-path]");
        await _page.WaitForFunctionAsync("s => document.querySelector('#file-view pre')?.textContent === s", ViewedFleet.ScriptInFile + "\n");

        // Nothing the model wrote became an element, and nothing ran.
        Assert.Equal(0, await CountAsync("main img, main script"));
        Assert.Null(await _page.EvaluateExpressionAsync<string?>("window.__xss ?? null"));

        // The fleet page, too, where the session is a row among the others.
        await OpenAsync($"/fleets/{ViewedFleet.FleetId}");
        Assert.Equal(0, await CountAsync("main img, main script"));
        Assert.Null(await _page.EvaluateExpressionAsync<string?>("window.__xss ?? null"));
    }

    [Fact]
    public async Task DownloadLinks_ServeTheFleetsTrajectoriesAndExport()
    {
        await OpenAsync($"/fleets/{ViewedFleet.FleetId}");
        var hrefs = await _page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('.downloads a')].map(a => a.href)");
        Assert.Equal(2, hrefs.Length);
        using var http = new HttpClient();
        var trajectories = (await http.GetStringAsync(hrefs[0])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, trajectories.Length); // every finished session, the failed one included
        Assert.Contains(trajectories, t => (string?)JsonNode.Parse(t)!["session_id"] == $"{ViewedFleet.FleetId}:flaky:0");
        var chat = (await http.GetStringAsync(hrefs[1])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(chat, line => Assert.NotNull(JsonNode.Parse(line)!["messages"]));
    }

    /// <summary>The README's pictures. Every run takes them (and checks they show the page); with
    /// <c>ACTOR_ROLLOUTS_UPDATE_SCREENSHOTS=1</c> they replace the ones the README shows.</summary>
    [Fact]
    public async Task Screenshots_OfEveryPage()
    {
        var pages = new (string Name, string Path, string Shown)[]
        {
            ("fleets", "/", $"tr[data-fleet='{ViewedFleet.FleetId}']"),
            ("fleet", $"/fleets/{ViewedFleet.FleetId}", "select[name=tool]:not([disabled])"),
            ("session", $"/sessions/{Uri.EscapeDataString($"{ViewedFleet.FleetId}:flaky:0")}", "#file-list button"),
            ("compare", $"/compare?a={Uri.EscapeDataString($"{ViewedFleet.FleetId}:fix:0")}&b={Uri.EscapeDataString($"{ViewedFleet.FleetId}:flaky:0")}", "#compare tbody tr"),
        };
        var outDir = Environment.GetEnvironmentVariable("ACTOR_ROLLOUTS_UPDATE_SCREENSHOTS") == "1"
            ? Path.Combine(Cli.RepoRoot, "tests", "ActorRollouts.Cli.Tests", "Viewer", "screenshots")
            : Cli.NewTempDir();
        Directory.CreateDirectory(outDir);
        await _page.SetViewportAsync(new ViewPortOptions { Width = 1280, Height = 800 });
        foreach (var (name, path, shown) in pages)
        {
            await OpenAsync(path);
            await _page.WaitForSelectorAsync(shown);
            var file = Path.Combine(outDir, $"{name}.png");
            await _page.ScreenshotAsync(file);
            var png = await File.ReadAllBytesAsync(file);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
            Assert.True(png.Length > 20_000, $"{name}.png is {png.Length} bytes: a blank page?");
        }
    }

    /// <summary>The workspace at every step, as the journal has it: the template's file until the edit, the edited one
    /// after; never a file outside the workspace.</summary>
    [Fact]
    public async Task TheWorkspaceAtEachStep_FollowsTheJournal()
    {
        using var http = new HttpClient();
        var id = Uri.EscapeDataString($"{ViewedFleet.FleetId}:flaky:0");
        var session = JsonNode.Parse(await http.GetStringAsync(At($"/api/session?id={id}")))!;
        var edited = (long)session["lines"]!.AsArray().First(l => (string?)l!["type"] == "file_modified")!["seq"]!;
        for (var at = 1L; at <= (long)session["session"]!["last_seq"]!; at++)
        {
            var file = JsonNode.Parse(await http.GetStringAsync(At($"/api/workspace/file?id={id}&at={at}&path=greeting.txt")))!;
            Assert.Equal(at < edited ? "Helo, world!\n" : "Hello, world!\n", (string?)file["text"]);
        }
        var outside = await http.GetAsync(At($"/api/workspace/file?id={id}&path={Uri.EscapeDataString("../../../../etc/passwd")}"));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    [Fact]
    public async Task TheViewerOnlyReads()
    {
        using var http = new HttpClient();
        foreach (var method in new[] { HttpMethod.Post, HttpMethod.Put, HttpMethod.Delete })
        {
            var response = await http.SendAsync(new HttpRequestMessage(method, At($"/api/fleet?id={ViewedFleet.FleetId}")));
            Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        }
    }
}
