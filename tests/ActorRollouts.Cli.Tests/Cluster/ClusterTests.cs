using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;
using Xunit.Abstractions;

namespace ActorRollouts.Cli.Tests.Cluster;

/// <summary>A fleet on a cluster of real node processes sharing a PostgreSQL journal, driven by a submitter process
/// (<c>run --seeds</c>), against FakeLlm in this process: losing a node, stopping one, losing the submitter, and adding a
/// node, mid-fleet. Every session reads a file, writes one, runs a bash command that appends to another and answers; each
/// model call takes 700 ms, so a fleet of 60 sessions at 30 at a time runs for about ten seconds.</summary>
public class ClusterTests(ITestOutputHelper output)
{
    private const string Script = """
        { "scenarios": [ { "delay_ms": 700, "turns": [
          { "content": "Reading first.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
          { "tool_calls": [ { "name": "write_file", "arguments": { "path": "b.txt", "content": "written\n" } } ] },
          { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo appended >> a.txt" } } ] },
          { "content": "Done." } ] } ] }
        """;

    private const int Sessions = 60;
    private const int Turns = 4;

    /// <summary>When a node is lost: while every session of the first 30 is mid-way (see the SIGKILL test).</summary>
    private const int KillAtRequest = Sessions * Turns / 5;

    [Fact]
    public async Task Fleet_OnThreeNodes_TheNodeSupervisingItKilledWithSigkill_EverySessionCompletesAndMovedOnesEndWithTheirJournaledWorkspace()
    {
        await using var cluster = await RolloutCluster.StartAsync(3);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var (tasks, submitterData) = WriteFleet(Sessions);
        var run = cluster.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "k", "--concurrency", "30",
            .. cluster.SubmitterOptions(submitterData)]);

        // The node that supervises the fleet is lost: the fleet, its running sessions and (if it is the oldest member)
        // the shard coordinators all move. At a fifth of the requests every session of the first 30 is still running:
        // they go in step, 4 calls each, so the first of them finish at about 90 requests. At two fifths (as before) the
        // 10 on that node had all finished once in CI and nothing was left to move; its own sessions likely start first,
        // with no remote hop.
        await server.WhenRequestsReach(KillAtRequest).WaitAsync(TimeSpan.FromSeconds(90));
        var victim = cluster.Nodes.Single(n => n.SupervisesFleet("k"));
        var hostedAtKill = victim.SessionFolders("k").ToHashSet();
        victim.Kill();
        output.WriteLine($"killed node {victim.Address} at request {server.RequestCount}, hosting {hostedAtKill.Count} sessions");

        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{Sessions} sessions: {Sessions} completed", result.Stdout);
        // The submitter showed the fleet's progress as a local run does, with the finished sessions' turns.
        Assert.Contains($"progress: {Sessions}/{Sessions} done ({Sessions} completed, 0 failed), 0 running · {Sessions * Turns} turns", result.Stderr);
        AssertAtMostOneRepeatPerTurn(server);
        var rows = await SessionsAsync(cluster, submitterData, "k");
        Assert.All(rows, r => Assert.Equal(("completed", Turns), ((string)r["status"]!, (int)r["turns"]!)));
        var moved = rows.Where(r => hostedAtKill.Contains(Folder(r)) && (string?)r["node"] != victim.Address).ToList();
        output.WriteLine($"{moved.Count} sessions moved: {string.Join(' ', moved.Select(r => $"{r["session_id"]}→{r["node"]}"))}");
        Assert.NotEmpty(moved);
        foreach (var row in moved.Take(WorkspacesCompared))
            await AssertLiveWorkspaceIsTheJournalsAsync(cluster, submitterData, row);
    }

    /// <summary>Each comparison runs <c>workspace</c> as a process of its own (about 2 s): a few moved sessions show it.</summary>
    private const int WorkspacesCompared = 4;

    [Fact]
    public async Task Fleet_OnThreeNodes_OneStoppedWithSigterm_LeavesAndItsSessionsContinueElsewhereInterruptedOnce()
    {
        await using var cluster = await RolloutCluster.StartAsync(3);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var (tasks, submitterData) = WriteFleet(Sessions);
        var run = cluster.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "t", "--concurrency", "30",
            .. cluster.SubmitterOptions(submitterData)]);

        // The busiest node that does not supervise the fleet leaves: shards need not spread over all three nodes this
        // early (one node once had no session yet), and at this point none of its sessions has finished.
        await server.WhenRequestsReach(KillAtRequest).WaitAsync(TimeSpan.FromSeconds(90));
        var leaving = cluster.Nodes.Where(n => !n.SupervisesFleet("t")).MaxBy(n => n.SessionFolders("t").Count)!;
        var hostedAtStop = leaving.SessionFolders("t").ToHashSet();
        await leaving.TerminateAsync();
        await leaving.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(leaving.Process.ExitCode == 0, leaving.Stderr);
        Assert.Contains(": left", leaving.Stderr);

        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{Sessions} sessions: {Sessions} completed", result.Stdout);
        AssertAtMostOneRepeatPerTurn(server);
        var rows = await SessionsAsync(cluster, submitterData, "t");
        var moved = rows.Where(r => hostedAtStop.Contains(Folder(r)) && (string?)r["node"] != leaving.Address).ToList();
        output.WriteLine($"{hostedAtStop.Count} sessions on the leaving node; {moved.Count} moved");
        Assert.NotEmpty(moved);
        Assert.All(rows, r => Assert.True((int)r["resumes"]! <= 1, $"{r["session_id"]} was interrupted {r["resumes"]} times"));
        Assert.All(moved, r => Assert.Equal(1, (int)r["resumes"]!));
        foreach (var row in moved.Take(WorkspacesCompared))
            await AssertLiveWorkspaceIsTheJournalsAsync(cluster, submitterData, row);
    }

    /// <summary>Also: with nobody attached, the node supervising the fleet still holds its lock, so a <c>resume</c>
    /// without <c>--seeds</c> is refused; and a <c>cancel</c> given while nobody is attached reaches the fleet, which follows its control journal
    /// itself. Ten at a time in plan order (about 3 s a session), the last task would start some 14 s in, long after the
    /// cancel (about 5 s in), so it never runs.</summary>
    [Fact]
    public async Task Fleet_SubmitterKilledMidFleet_CompletesOnTheNodesAndResumeAttachesAndPrintsTheSummary()
    {
        await using var cluster = await RolloutCluster.StartAsync(3);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var (tasks, submitterData) = WriteFleet(Sessions);
        using var submitter = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "s", "--concurrency", "10",
            .. cluster.SubmitterOptions(submitterData)]);
        try
        {
            await server.WhenRequestsReach(Sessions * Turns / 6).WaitAsync(TimeSpan.FromSeconds(90));
        }
        finally
        {
            submitter.Kill(); // SIGKILL, or a test that failed waiting leaves nothing behind
            await submitter.WaitForExitAsync();
        }

        // The node supervising the fleet holds its lock: a resume in this process instead of the cluster is refused.
        var local = await Cli.RunAsync(["resume", "s", "--journal-url", cluster.JournalUrl, "--data-dir", Path.Combine(Cli.NewTempDir(), "local")]);
        Assert.True(local.ExitCode == 2, local.ToString());
        Assert.Contains("fleet 's' is already running in actor-rollouts node 127.0.0.1:", local.Stderr);

        var lastTask = $"s:t{Sessions - 1}:0";
        var cancel = await Cli.RunAsync(["cancel", lastTask, "--reason", "not needed", "--journal-url", cluster.JournalUrl, "--data-dir", submitterData]);
        Assert.True(cancel.ExitCode == 0, cancel.ToString());

        // With nobody attached, the nodes go on from a sixth of the requests to all of them: the fleet runs by itself.
        await server.WhenRequestsReach((Sessions - 1) * Turns).WaitAsync(TimeSpan.FromSeconds(120));
        var resume = await cluster.RunAsync(["resume", "s", .. cluster.SubmitterOptions(Path.Combine(Cli.NewTempDir(), "elsewhere"))]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"{Sessions} sessions: {Sessions} completed", resume.Stdout);
        AssertAtMostOneRepeatPerTurn(server, sessions: Sessions - 1);
        var cancelled = (await SessionsAsync(cluster, submitterData, "s")).Single(r => (string?)r["stop_reason"] == "cancelled");
        Assert.Equal((lastTask, 0), ((string)cancelled["session_id"]!, (int)cancelled["turns"]!));
    }

    [Fact]
    public async Task Fleet_NodeJoinsMidFleet_ReceivesSessions()
    {
        await using var cluster = await RolloutCluster.StartAsync(2);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var (tasks, submitterData) = WriteFleet(Sessions);
        // Six at a time, the fleet runs for about 30 s: most of its sessions start after the new node is up (about 5 s).
        var run = cluster.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "j", "--concurrency", "6",
            .. cluster.SubmitterOptions(submitterData)]);

        await server.WhenRequestsReach(Sessions * Turns / 10).WaitAsync(TimeSpan.FromSeconds(90));
        var joining = cluster.StartNode();
        await joining.Up;

        var result = await run;
        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = await SessionsAsync(cluster, submitterData, "j");
        var onNewNode = rows.Count(r => (string?)r["node"] == joining.Address);
        output.WriteLine($"sessions by node: {string.Join(", ", rows.GroupBy(r => (string?)r["node"]).Select(g => $"{g.Key} {g.Count()}"))}");
        Assert.True(onNewNode > 0, "the node that joined mid-fleet ran no session");
        AssertAtMostOneRepeatPerTurn(server);
    }

    /// <summary>Also a fleet whose plan (24 prompts of 200 KB: 4.8 MB) is larger than any message between members may be:
    /// it reaches the nodes through the journal's database.</summary>
    [Fact]
    public async Task Fleet_OnThreeNodes_RateLimitsHoldForTheWholeFleetAtTheServer()
    {
        await using var cluster = await RolloutCluster.StartAsync(3);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"delay_ms":150,"turns":[{"content":"done"}]}]}"""));
        var (tasks, submitterData) = WriteFleet(24, promptPadding: 200_000);
        var window = TimeSpan.FromSeconds(2); // the cluster's configuration: --rpm 240 is 8 requests per 2 s

        var result = await cluster.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "g", "--concurrency", "24",
            "--max-concurrent-requests", "3", "--rpm", "240", .. cluster.SubmitterOptions(submitterData)]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = await SessionsAsync(cluster, submitterData, "g");
        Assert.True(rows.Select(r => (string?)r["node"]).Distinct().Count() > 1, "the sessions all ran on one node");
        var arrivals = server.Requests.Select(r => r.ReceivedAt).Order().ToList();
        Assert.Equal(24, arrivals.Count);
        Assert.Equal(3, server.MaxInFlight);
        var busiest = arrivals.Max(start => arrivals.Count(t => t >= start && t < start + window));
        Assert.True(busiest <= 8, $"{busiest} requests arrived within {window.TotalSeconds} s: " +
            string.Join(", ", arrivals.Select(t => $"{(t - arrivals[0]).TotalMilliseconds:0}")));
    }

    /// <summary><paramref name="count"/> tasks <c>t0…</c> on a one-file template (prompts padded to
    /// <paramref name="promptPadding"/> characters), and a data dir for the submitter.</summary>
    private static (string Tasks, string SubmitterData) WriteFleet(int count, int promptPadding = 0)
    {
        var padding = new string('x', promptPadding);
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        File.WriteAllText(Path.Combine(dir, "template", "a.txt"), "alpha\n");
        var tasks = Path.Combine(dir, "tasks.jsonl");
        File.WriteAllLines(tasks, Enumerable.Range(0, count).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"task number {{i}} {{padding}}","workspace":"template","tools":["read_file","write_file","bash"]}"""));
        return (tasks, Path.Combine(dir, "submitter"));
    }

    /// <summary>Every scripted turn of every session was asked for, and none more than twice: an uninterrupted run asks
    /// each exactly once (the single-process reference, <see cref="UninterruptedFleet"/>), and a move repeats at most the
    /// request in flight.</summary>
    private static void AssertAtMostOneRepeatPerTurn(FakeLlmServer server, int sessions = Sessions)
    {
        var perTurn = CountPerTurn(server.Requests);
        Assert.Equal(sessions * Turns, perTurn.Count);
        Assert.All(perTurn, kv => Assert.True(kv.Value <= 2, $"{kv.Key} was asked {kv.Value} times"));
    }

    private static Dictionary<(string Prompt, int Turn), int> CountPerTurn(IEnumerable<RecordedRequest> requests) => KillResumeTests.CountPerTurn(requests);

    private static async Task<List<JsonObject>> SessionsAsync(RolloutCluster cluster, string submitterData, string fleetId)
    {
        var sessions = await Cli.RunAsync(["sessions", "--fleet", fleetId, "--json", "--journal-url", cluster.JournalUrl, "--data-dir", submitterData]);
        Assert.True(sessions.ExitCode == 0, sessions.ToString());
        return [.. JsonNode.Parse(sessions.Stdout)!.AsArray().Select(r => r!.AsObject())];
    }

    /// <summary>A session id <c>fleet:task:sample</c> as its workspace folder <c>task-sample</c>.</summary>
    private static string Folder(JsonObject row) => $"{row["task_id"]}-{row["sample"]}";

    /// <summary>The workspace a moved session ended with, on the node that finished it (its template from that node's data
    /// dir, unpacked there from the journal's database), equals the one its journal describes.</summary>
    private static async Task AssertLiveWorkspaceIsTheJournalsAsync(RolloutCluster cluster, string submitterData, JsonObject row)
    {
        var node = cluster.Nodes.Single(n => n.Address == (string?)row["node"]);
        var fleetId = (string)row["fleet_id"]!;
        using var live = Environments.Workspace.Open(Path.Combine(node.DataDir, "workspaces", fleetId, Folder(row)),
            Directory.GetDirectories(Path.Combine(node.DataDir, "templates")).Single());
        var journaled = await Cli.WorkspaceAsync(submitterData, (string)row["session_id"]!, journalUrl: cluster.JournalUrl);
        Assert.Equal(TreeListing.Of(journaled), TreeListing.Of(live.Root));
        // Not a comparison of two empty trees: the session wrote b.txt — unless the move cut that very call, which is
        // then answered E_INTERRUPTED and not run again (a write is not idempotent).
        if (!TreeListing.Of(journaled).Any(l => l.StartsWith("b.txt ", StringComparison.Ordinal)))
            Assert.Contains("E_INTERRUPTED", await WriteResultsAsync(cluster, submitterData, (string)row["session_id"]!));
    }

    /// <summary>The error codes of the session's <c>write_file</c> results, from its trace.</summary>
    private static async Task<List<string?>> WriteResultsAsync(RolloutCluster cluster, string submitterData, string sessionId)
    {
        var trace = await Cli.RunAsync(["trace", sessionId, "--journal-url", cluster.JournalUrl, "--data-dir", submitterData]);
        Assert.True(trace.ExitCode == 0, trace.ToString());
        return [.. trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)
            .Where(l => (string?)l["type"] == "tool_call_completed" && (string?)l["data"]!["name"] == "write_file")
            .Select(l => (string?)l["data"]!["error_code"])];
    }
}
