using System.Diagnostics;
using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;
using Xunit.Abstractions;

namespace ActorRollouts.Cli.Tests;

/// <summary>A fleet keeps what it was told across kills: its settings are journaled with it and every resume re-applies
/// them; a resume that names an option changes it, and the change is journaled.</summary>
public class FleetSettingsTests(ITestOutputHelper output)
{
    /// <summary>Each session runs <c>pwd</c> (in the sandbox it prints /workspace, without it the real folder), asks to
    /// delete a file (which needs an approval), then ends. Prompts name the task, so requests can be told apart.</summary>
    private const string Script = """
        { "scenarios": [ { "delay_ms": 100, "turns": [
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "pwd" } } ] },
            { "tool_calls": [ { "name": "delete_file", "arguments": { "path": "a.txt" } } ] },
            { "content": "Done." } ] } ] }
        """;

    private const int Sessions = 6;

    /// <summary>A 2-second window keeps the test short: --rpm 120 then allows 4 requests per 2 s.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);
    private const int RequestsPerWindow = 4;

    [Fact]
    public async Task KilledFleet_ResumedWithoutOptions_KeepsDenyRpmAndNoSandbox_AndResumeConfirmAutoChangesItInTheJournal()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "a.txt"), "keep me\n");
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, Enumerable.Range(0, Sessions).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"task {{i}}","workspace":"template","tools":["bash","delete_file"]}"""));
        var config = Path.Combine(dir, "window.conf");
        await File.WriteAllTextAsync(config, "actor-rollouts.gate.window = 2s");
        var data = Path.Combine(dir, "data");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        // 1. Started with deny, a rate limit and no sandbox; killed with SIGKILL once three requests have arrived.
        var run = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "s", "--data-dir", data, "--config", config,
            "--concurrency", "2", "--confirm", "deny", "--rpm", "120", "--sandbox", "none"]);
        await server.WhenRequestsReach(3, bounded.Token);
        var firstKill = await KillHard(run);
        var afterRun = server.RequestCount;

        // 2. Resumed without options (the config file only shortens the gate's window, as before); killed again as soon as a
        //    delete_file was refused in this phase: the request after a delete whose own request came after the first kill.
        var phaseTwoDeletes = new HashSet<string>();
        var deniedInPhaseTwo = server.WhenRequest(r =>
        {
            if (r.Turn == 1 && r.ReceivedAt > firstKill) phaseTwoDeletes.Add(Prompt(r));
            return r.Turn == 2 && phaseTwoDeletes.Contains(Prompt(r));
        }, bounded.Token);
        var resumed = Cli.Start(["resume", "s", "--data-dir", data, "--config", config]);
        await deniedInPhaseTwo;
        var secondKill = await KillHard(resumed);
        var afterResume = server.RequestCount;

        // 3. Resumed with --confirm auto: the rest of the fleet runs approved.
        var last = await Cli.RunAsync(["resume", "s", "--data-dir", data, "--config", config, "--confirm", "auto"]);
        Assert.True(last.ExitCode == 0, last.ToString());
        Assert.Contains("settings changed (journaled): confirm_policy: \"deny\" → \"auto\"", last.Stderr);
        Assert.Contains("confirm auto · sandbox none · max turns 20 · requests in flight unlimited, rpm 120", last.Stderr);

        var traces = new List<JsonNode>();
        for (var i = 0; i < Sessions; i++)
            traces.AddRange((await Cli.RunAsync(["trace", $"s:t{i}:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!));
        var confirmations = traces.Where(l => (string?)l["type"] == "confirmation_resolved")
            .Select(l => (At: DateTimeOffset.Parse((string)l["timestamp"]!), Approved: (bool)l["data"]!["approved"]!, By: (string)l["data"]!["decided_by"]!)).ToList();
        output.WriteLine(string.Join("\n", confirmations.Select(c => $"{c.At:HH:mm:ss.fff} {c.By}")));
        Assert.Equal(Sessions, confirmations.Count);
        Assert.All(confirmations.Where(c => c.At < secondKill), c => Assert.Equal((false, "policy:deny"), (c.Approved, c.By)));
        Assert.Contains(confirmations, c => c.At > firstKill && c.At < secondKill); // denied after a resume without options
        Assert.All(confirmations.Where(c => c.At > secondKill), c => Assert.Equal((true, "policy:auto"), (c.Approved, c.By)));
        Assert.Contains(confirmations, c => c.At > secondKill);

        // bash ran unsandboxed in every phase: in the real workspace folder, reported as sandbox "none".
        var bash = traces.Where(l => (string?)l["type"] == "tool_call_completed" && (string?)l["data"]!["name"] == "bash").ToList();
        Assert.Equal(Sessions, bash.Count);
        Assert.All(bash, b => Assert.Equal("none", (string?)b["data"]!["data"]!["sandbox"]));
        Assert.All(bash, b => Assert.Contains(Path.Combine(data, "workspaces", "s"), (string)b["data"]!["content"]!));
        Assert.Contains(bash, b => DateTimeOffset.Parse((string)b["timestamp"]!) > firstKill);

        // The rate limit held in each process, and bound the last one.
        var arrivals = server.Requests.Select(r => r.ReceivedAt).ToList();
        foreach (var phase in new[] { arrivals[..(int)afterRun], arrivals[(int)afterRun..(int)afterResume], arrivals[(int)afterResume..] })
            Assert.True(Busiest(phase) <= RequestsPerWindow, $"{Busiest(phase)} requests within {Window.TotalSeconds} s");
        var lastPhase = arrivals[(int)afterResume..].Order().ToList();
        Assert.True(lastPhase.Count > RequestsPerWindow && lastPhase[RequestsPerWindow] - lastPhase[0] >= Window,
            "the rate limit was binding after the last resume");

        // The change is in the fleet's journal, and sessions and stats show it.
        var stats = JsonNode.Parse((await Cli.RunAsync(["stats", "--fleet", "s", "--data-dir", data, "--json"])).Stdout)!;
        Assert.Equal("auto", (string?)stats["settings"]!["confirm_policy"]);
        Assert.Equal(("none", 120), ((string?)stats["settings"]!["sandbox"], (int)stats["settings"]!["requests_per_minute"]!));
        Assert.Single(stats["settings_changes"]!.AsArray(), c => ((string)c!).EndsWith("confirm_policy: \"deny\" → \"auto\"", StringComparison.Ordinal));
        Assert.Contains("fleet s settings changed: ", (await Cli.RunAsync(["sessions", "--fleet", "s", "--data-dir", data])).Stdout);
        Assert.Contains("confirm_policy: \"deny\" → \"auto\"", (await Cli.RunAsync(["stats", "--fleet", "s", "--data-dir", data])).Stdout);
    }

    [Fact]
    public async Task FleetStartedWithSandboxNone_ResumesWithoutBeingToldAgain()
    {
        var dir = Cli.NewTempDir();
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, ["""{"id":"b","prompt":"task 0","tools":["bash"]}"""]);
        var data = Path.Combine(dir, "data");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            { "scenarios": [ { "turns": [ { "delay_ms": 30000, "content": "too slow" }, { "content": "unused" } ] } ] }
            """));
        var run = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "n", "--data-dir", data, "--sandbox", "none"]);
        await server.WhenRequestsReach(1).WaitAsync(TimeSpan.FromMinutes(2));
        await KillHard(run);

        // A scripted model that answers at once now, at a new address: only --base-url is given, not --sandbox.
        await using var fast = await FakeLlmServer.StartAsync(FakeScript.Parse("""{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }"""));
        var resume = await Cli.RunAsync(["resume", "n", "--data-dir", data, "--base-url", fast.BaseUrl.ToString()]);

        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("warning: --sandbox none", resume.Stderr);
        Assert.Contains("settings changed (journaled): base_url:", resume.Stderr);
    }

    private static string Prompt(RecordedRequest r) =>
        (string)JsonNode.Parse(r.Body)!["messages"]!.AsArray().First(m => (string?)m!["role"] == "user")!["content"]!;

    private static int Busiest(IReadOnlyList<DateTimeOffset> arrivals) =>
        arrivals.Count == 0 ? 0 : arrivals.Max(start => arrivals.Count(t => t >= start && t < start + Window));

    /// <summary>SIGKILL, as a crash or the OOM killer would; returns when the process is gone.</summary>
    internal static async Task<DateTimeOffset> KillHard(Process process)
    {
        process.Kill();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return DateTimeOffset.UtcNow;
    }
}
