using System.Diagnostics;
using PuppeteerSharp;
using Xunit.Abstractions;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>A journal with a fleet of 10,000 sessions and a session of 2,000 events, and a fresh viewer process on it.</summary>
public sealed class BigJournal : IAsyncLifetime
{
    public const string FleetId = "big";
    public const int Sessions = 10_000;
    public const int Turns = 286; // 3 + 7 × 286 + 1 = 2,006 events
    public static readonly string LongSessionId = $"{FleetId}-long:long:0";

    public int LongSessionEvents { get; private set; }
    public ViewerProcess Viewer { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var dataDir = Path.Combine(Cli.NewTempDir(), "data");
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        await using (var seeder = new JournalSeeder(dataDir))
        {
            await seeder.WriteAsync(PersistenceId(FleetId), JournalSeeder.Fleet(FleetId, Sessions, start));
            var spec = JournalSeeder.Spec($"{FleetId}-long", "long", 0);
            var session = JournalSeeder.LongSession(spec, Turns, start);
            LongSessionEvents = session.Count;
            await seeder.WriteAsync(PersistenceId($"{FleetId}-long"), [new FleetStarted($"{FleetId}-long", [spec], 1, start)]);
            await seeder.WriteAsync(spec.SessionId, session);
        }
        var clock = Stopwatch.StartNew();
        Viewer = await ViewerProcess.StartAsync("view", "--data-dir", dataDir, "--port", "0");
        // The viewer reads every fleet's journal once at start, in the background (20,000 events for this fleet).
        await Viewer.WhenStderrLine(line => line.StartsWith("viewer: ready", StringComparison.Ordinal)).WaitAsync(TimeSpan.FromSeconds(60));
        ReadyAfter = clock.Elapsed;
    }

    /// <summary>From starting <c>view</c> to its "ready" line.</summary>
    public TimeSpan ReadyAfter { get; private set; }

    public async Task DisposeAsync() => await Viewer.DisposeAsync();
}

[Collection(BrowserTests.Name)]
public sealed class ViewerScaleTests(BigJournal journal, Chromium chromium, ITestOutputHelper output) : IClassFixture<BigJournal>, IClassFixture<Chromium>
{
    [Fact]
    public async Task TheFleetPageOf10000Sessions_LoadsInUnder2s_AndFiltersThem()
    {
        var problems = new List<string>();
        var page = await chromium.NewPageAsync(problems);
        output.WriteLine($"viewer ready (every fleet's journal read) {journal.ReadyAfter.TotalMilliseconds:F0} ms after it was started");
        var clock = Stopwatch.StartNew();
        await page.GoToAsync(new Uri(journal.Viewer.Root, $"/fleets/{BigJournal.FleetId}").ToString(), WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync("#sessions tbody tr");
        var loaded = clock.Elapsed;
        output.WriteLine($"fleet page of {BigJournal.Sessions} sessions: {loaded.TotalMilliseconds:F0} ms to its first rows");
        output.WriteLine(await page.EvaluateExpressionAsync<string>("JSON.stringify([...performance.getEntries()].map(e => [e.name.slice(-40), Math.round(e.startTime), Math.round(e.duration)]))"));
        Assert.True(loaded < TimeSpan.FromSeconds(2), $"the fleet page took {loaded.TotalMilliseconds:F0} ms");
        Assert.Equal("10,000 of 10,000 sessions", await page.EvaluateExpressionAsync<string>("document.querySelector('#shown-count').textContent"));
        Assert.Equal(100, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#sessions tbody tr').length"));

        clock.Restart();
        await page.SelectAsync("select[name=status]", "failed");
        await page.WaitForFunctionAsync("() => document.querySelector('#shown-count').textContent === '1,000 of 10,000 sessions'");
        await page.ClickAsync("th[data-sort=reward]");
        await page.WaitForSelectorAsync("th[data-sort=reward][aria-sort=ascending]");
        output.WriteLine($"filter to the 1,000 failed, then sort by reward: {clock.ElapsedMilliseconds} ms");
        Assert.All(await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#sessions tbody tr')].map(r => r.dataset.status)"),
            status => Assert.Equal("failed", status));
        await page.CloseAsync();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task ASessionOf2000Events_LoadsInUnder1s()
    {
        Assert.True(journal.LongSessionEvents >= 2000);
        var problems = new List<string>();
        var page = await chromium.NewPageAsync(problems);
        var clock = Stopwatch.StartNew();
        await page.GoToAsync(new Uri(journal.Viewer.Root, $"/sessions/{Uri.EscapeDataString(BigJournal.LongSessionId)}").ToString(), WaitUntilNavigation.DOMContentLoaded);
        await page.WaitForSelectorAsync(".entry[data-type=session_completed]");
        var loaded = clock.Elapsed;
        output.WriteLine($"session of {journal.LongSessionEvents} events: {loaded.TotalMilliseconds:F0} ms to its whole timeline");
        output.WriteLine(await page.EvaluateExpressionAsync<string>("JSON.stringify([...performance.getEntries()].map(e => [e.name.slice(-40), Math.round(e.startTime), Math.round(e.duration)]))"));
        Assert.True(loaded < TimeSpan.FromSeconds(1), $"the session page took {loaded.TotalMilliseconds:F0} ms");
        // Every turn is there: its request, its response, the assistant's message, the call's start and its result with the diff.
        Assert.Equal(BigJournal.Turns, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#timeline .entry.result .diff').length"));
        Assert.Equal(BigJournal.Turns, await page.EvaluateExpressionAsync<int>("document.querySelectorAll('#timeline .entry.message.assistant').length"));
        await page.CloseAsync();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
