using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;
using Xunit.Abstractions;

namespace ActorRollouts.Cli.Tests;

/// <summary>The same 40-session × 4-turn fleet, run once without interruption: the reference every killed-and-resumed
/// run is compared with. Most sessions only read (read_file, list_files, search); the "(slow)" ones have a model call
/// that takes 1.5 s and then run a <c>bash</c> command that writes <c>started.txt</c>, sleeps 2 s and writes
/// <c>done.txt</c>: a model call and a non-idempotent tool call long enough to be killed in the middle of.</summary>
public sealed class UninterruptedFleet : IAsyncLifetime
{
    public const string Script = """
        { "scenarios": [
          { "match": "(slow)", "delay_ms": 50, "turns": [
            { "content": "Reading first.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
            { "delay_ms": 1500, "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
            { "tool_calls": [ { "name": "bash", "arguments": { "command": "echo started > started.txt && sleep 2 && echo done > done.txt" } } ] },
            { "content": "All done." } ] },
          { "delay_ms": 50, "turns": [
            { "content": "Reading first.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
            { "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
            { "tool_calls": [ { "name": "search", "arguments": { "pattern": "alpha" } } ] },
            { "content": "All read." } ] } ] }
        """;

    public const int Sessions = 40;
    public const int Turns = 4;
    public const string SlowMark = "(slow)";
    public const int SlowModelTurn = 1; // 0-based, as FakeLlm records it: the request answered after 1.5 s
    public static readonly int[] SlowTasks = [3, 13, 23];

    public string Tasks { get; private set; } = "";

    /// <summary>The reference run's data dir (fleet <c>base</c>).</summary>
    public string Data { get; private set; } = "";

    /// <summary>How many requests the server received for each (first user message, scripted turn).</summary>
    public Dictionary<(string Prompt, int Turn), int> RequestsPerTurn { get; private set; } = [];

    public int TotalRequests { get; private set; }

    /// <summary>The output of <c>export --fleet base --format trajectories</c>, by task id.</summary>
    public Dictionary<string, JsonObject> Export { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "a.txt"), "alpha\nbeta\n");
        Tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(Tasks, Enumerable.Range(0, Sessions).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"task number {{i}}{{(SlowTasks.Contains(i) ? " " + SlowMark : "")}}","workspace":"template","tools":["read_file","list_files","search","bash"]}"""));
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var data = Data = Path.Combine(dir, "data");
        var run = await Cli.RunAsync(["run", Tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "8", "--data-dir", data, "--fleet-id", "base"]);
        if (run.ExitCode != 0) throw new InvalidOperationException(run.ToString());
        RequestsPerTurn = KillResumeTests.CountPerTurn(server.Requests);
        TotalRequests = server.Requests.Count;
        var export = await Cli.RunAsync(["export", "--fleet", "base", "--format", "trajectories", "--data-dir", data]);
        if (export.ExitCode != 0) throw new InvalidOperationException(export.ToString());
        Export = KillResumeTests.ByTask(export.Stdout);
        // The reference itself must be what the comparison assumes: every session done, all turns played, nothing interrupted.
        if (Export.Count != Sessions || Export.Values.Any(t => (string?)t["status"] != "completed" || (int?)t["turns"] != Turns)
            || RequestsPerTurn.Count != Sessions * Turns || export.Stdout.Contains("E_INTERRUPTED"))
            throw new InvalidOperationException("the uninterrupted reference run is not a clean 40 × 4 run:\n" + export.Stdout);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public class KillResumeTests(UninterruptedFleet baseline, ITestOutputHelper output) : IClassFixture<UninterruptedFleet>
{
    private static readonly HashSet<string> IdempotentTools = ["read_file", "list_files", "search"];

    /// <summary>Every point on each journal: the embedded SQLite file and PostgreSQL (every command given
    /// <c>--journal-url</c>).</summary>
    [Theory]
    [InlineData("early", "sqlite")]          // the first model request has arrived
    [InlineData("early", "postgres")]
    [InlineData("mid-model-call", "sqlite")] // a slow session's 1.5 s model request is in flight
    [InlineData("mid-model-call", "postgres")]
    [InlineData("mid-tool-call", "sqlite")]  // a slow session's bash command is running (it wrote started.txt, not yet done.txt)
    [InlineData("mid-tool-call", "postgres")]
    [InlineData("mid-fleet", "sqlite")]      // half the requests of the uninterrupted run have arrived
    [InlineData("mid-fleet", "postgres")]
    [InlineData("near-the-end", "sqlite")]   // all but the last five requests have arrived
    [InlineData("near-the-end", "postgres")]
    [InlineData("mid-fleet-then-workspaces-deleted", "sqlite")] // as mid-fleet, and workspaces/ is deleted before the resume
    [InlineData("mid-fleet-then-workspaces-deleted", "postgres")]
    [InlineData("mid-fleet-resumed-elsewhere", "postgres")] // as mid-fleet, resumed with another data dir and the template folder gone
    public async Task Fleet_KilledWithSigkillAndResumed_ExportsWhatAnUninterruptedRunDoesWithAtMostOneRepeatedCallPerTurn(string point, string journalKind)
    {
        var data = Path.Combine(Cli.NewTempDir(), "data");
        var onPostgres = journalKind == "postgres";
        var url = onPostgres ? PostgresServer.Instance.NewDatabaseUrl() : null;
        // Resumed on "another machine": a data dir without its workspaces, templates or blobs, which come from the
        // journal's database.
        var resumedElsewhere = point == "mid-fleet-resumed-elsewhere";
        var elsewhere = resumedElsewhere ? Path.Combine(Cli.NewTempDir(), "data") : data;
        string[] journal = onPostgres ? ["--data-dir", data, "--journal-url", url!] : ["--data-dir", data];
        string[] resumedJournal = onPostgres ? ["--data-dir", elsewhere, "--journal-url", url!] : journal;
        var tasks = resumedElsewhere ? CopyOfTasks(baseline.Tasks) : baseline.Tasks; // its template is deleted before the resume
        var workspaces = Path.Combine(data, "workspaces", "k");
        Directory.CreateDirectory(workspaces);
        using var started = new FileAppears(workspaces, "started.txt");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(UninterruptedFleet.Script));
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var first = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "8", .. journal, "--fleet-id", "k"]);

        Task<RecordedRequest>? slowRequest = null;
        Task killPoint = point switch
        {
            "early" => server.WhenRequestsReach(1, bounded.Token),
            "mid-model-call" => slowRequest = server.WhenRequest(r => r.Turn == UninterruptedFleet.SlowModelTurn && r.Body.Contains(UninterruptedFleet.SlowMark), bounded.Token),
            "mid-tool-call" => started.Seen.WaitAsync(bounded.Token),
            "mid-fleet" or "mid-fleet-then-workspaces-deleted" or "mid-fleet-resumed-elsewhere" => server.WhenRequestsReach(baseline.TotalRequests / 2, bounded.Token),
            "near-the-end" => server.WhenRequestsReach(baseline.TotalRequests - 5, bounded.Token),
            _ => throw new ArgumentOutOfRangeException(nameof(point)),
        };
        await Task.WhenAny(killPoint, first.WaitForExitAsync(bounded.Token));
        Assert.True(killPoint.IsCompletedSuccessfully, $"kill point '{point}' not reached (the run exited: {first.HasExited})");
        first.Kill(); // SIGKILL: no shutdown, no flush, nothing
        await first.WaitForExitAsync();

        // Where the kill landed, as the journal tells it (read with `trace`, before anything resumes).
        var atKill = await JournalAtKill.ReadAsync(data, "k", journal);
        Assert.True(atKill.Completed < UninterruptedFleet.Sessions, "killed before the fleet finished");
        var interrupted = atKill.OpenToolCalls.Where(c => !IdempotentTools.Contains(c.Name)).ToList();
        output.WriteLine($"{point} on {journalKind}: killed after {clock.Elapsed.TotalSeconds:0.0} s at request {server.RequestCount}; journal: {atKill.Completed} completed, " +
                         $"model requests open in [{string.Join(' ', atKill.OpenModelRequests)}], tool calls open: [{string.Join(' ', atKill.OpenToolCalls)}]");
        switch (point)
        {
            case "early":
                Assert.Equal(0, atKill.Completed);
                break;
            case "mid-model-call":
                Assert.Contains(TaskOf(await slowRequest!), atKill.OpenModelRequests); // journaled as started, never answered
                break;
            case "mid-tool-call":
                // <workspaces>/k/<task>-0/upper/started.txt: the session's own changes
                var task = Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(await started.Seen)))!.Split('-')[0];
                Assert.Contains(interrupted, c => c.Task == task && c.Name == "bash");
                break;
            case "mid-fleet" or "mid-fleet-then-workspaces-deleted" or "mid-fleet-resumed-elsewhere":
                Assert.InRange(atKill.Completed, UninterruptedFleet.Sessions / 8, UninterruptedFleet.Sessions * 3 / 4);
                break;
            case "near-the-end":
                Assert.InRange(atKill.Completed, UninterruptedFleet.Sessions * 3 / 4, UninterruptedFleet.Sessions - 1);
                break;
        }

        // The killed process holds no session any more. With PostgreSQL its fleet lock goes when the server process that
        // served it sees the connection closed: at once, or a moment later on a busy machine, so ask until it has.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        CliResult sessions;
        while ((sessions = await Cli.RunAsync(["sessions", "--fleet", "k", .. journal, "--json"])).Stdout.Contains("\"running\"") &&
               journalKind == "postgres" && DateTime.UtcNow < deadline)
        {
        }
        Assert.DoesNotContain("\"running\"", sessions.Stdout);
        if (point == "mid-fleet-then-workspaces-deleted") Directory.Delete(workspaces, recursive: true); // as if the data dir came without them
        if (resumedElsewhere) Directory.Delete(Path.Combine(Path.GetDirectoryName(tasks)!, "template"), recursive: true); // only the database has it now
        var resume = await Cli.RunAsync(["resume", "k", .. resumedJournal]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"{UninterruptedFleet.Sessions} sessions: {UninterruptedFleet.Sessions} completed", resume.Stdout);
        if (onPostgres) Assert.False(File.Exists(Path.Combine(data, "journal.db")) || File.Exists(Path.Combine(elsewhere, "journal.db")), "a fleet on PostgreSQL wrote a SQLite journal");
        if (resumedElsewhere) Assert.Single(Directory.GetDirectories(Path.Combine(elsewhere, "templates"))); // unpacked from the journal's database
        output.WriteLine($"{point} on {journalKind}: resumed and completed after {clock.Elapsed.TotalSeconds:0.0} s; {server.RequestCount} requests in all ({baseline.TotalRequests} uninterrupted)");

        // Per session and turn, at most one request more than the uninterrupted run needed.
        var requests = server.Requests;
        Assert.All(requests, r => Assert.NotNull(r.Turn));
        var perTurn = CountPerTurn(requests);
        Assert.Equal(baseline.RequestsPerTurn.Keys.Order(), perTurn.Keys.Order());
        Assert.All(perTurn, kv => Assert.True(kv.Value <= baseline.RequestsPerTurn[kv.Key] + 1,
            $"{kv.Key} was asked {kv.Value} times, {baseline.RequestsPerTurn[kv.Key]} without the kill"));
        if (point == "mid-model-call") // the request cut by the kill was sent again, once
        {
            var cut = await slowRequest!;
            var key = (PromptOf(cut), cut.Turn!.Value);
            Assert.Equal(baseline.RequestsPerTurn[key] + 1, perTurn[key]);
        }

        // The exported trajectories (and the run's own trajectories file) equal the uninterrupted ones; the only change
        // allowed is the one resume must make: a non-idempotent call cut by the kill came back to the model as E_INTERRUPTED.
        var export = await Cli.RunAsync(["export", "--fleet", "k", "--format", "trajectories", .. resumedJournal]);
        Assert.True(export.ExitCode == 0, export.ToString());
        var exported = ByTask(export.Stdout);
        var written = ByTask(await File.ReadAllTextAsync(Path.Combine(elsewhere, "fleets", "k", "trajectories.jsonl"))); // every finished session exactly once
        var interruptedIds = interrupted.Select(c => c.CallId).ToHashSet();
        foreach (var (task, reference) in baseline.Export)
        {
            Assert.Equal(Normalise(reference, interruptedIds), Normalise(exported[task], interruptedIds));
            Assert.Equal(Normalise(reference, interruptedIds), Normalise(written[task], interruptedIds));
        }
        Assert.Equal(baseline.Export.Keys.Order(), exported.Keys.Order());
        Assert.Equal(baseline.Export.Keys.Order(), written.Keys.Order());
        foreach (var (task, callId, name) in interrupted)
        {
            var result = exported[task]["messages"]!.AsArray().Single(m => (string?)m!["tool_call_id"] == callId)!["tool_result"]!;
            Assert.Equal((false, "E_INTERRUPTED"), ((bool)result["ok"]!, (string?)result["error_code"]));
            // The model's next request for that session carried the E_INTERRUPTED tool message, and was answered.
            Assert.Contains(requests, r => r.StatusCode == 200 && TaskOf(r) == task && ToolMessages(r).Any(m =>
                (string?)m["tool_call_id"] == callId && ((string?)m["content"])?.Contains("E_INTERRUPTED") == true));
        }
        var withInterrupted = exported.Where(kv => kv.Value.ToJsonString().Contains("E_INTERRUPTED")).Select(kv => kv.Key).Order();
        Assert.Equal(interrupted.Select(c => c.Task).Distinct().Order(), withInterrupted);

        if (point == "mid-tool-call")
        {
            // The cut bash had written started.txt, which no journal event holds: the resumed workspace is the journal's.
            foreach (var task in interrupted.Select(c => c.Task).Distinct())
                Assert.DoesNotContain(await LiveEqualsJournalAsync(data, task, url), l => l.StartsWith("started.txt"));
        }
        if (point == "mid-fleet-then-workspaces-deleted")
        {
            // Each session that changed its workspace before the kill got it back from the journal and went on: it ends
            // with the workspace the uninterrupted run's session has (unless a call of it was cut mid-way), live and rebuilt.
            foreach (var task in UninterruptedFleet.SlowTasks.Select(i => $"t{i}").Append("t0").Where(t => interrupted.All(c => c.Task != t)))
            {
                var expected = TreeListing.Of(await Cli.WorkspaceAsync(baseline.Data, $"base:{task}:0"));
                if (!Directory.Exists(Path.Combine(workspaces, $"{task}-0"))) // it had finished before the kill: nothing resumed it, nothing made it again
                    Assert.Equal(expected, TreeListing.Of(await Cli.WorkspaceAsync(data, $"k:{task}:0", journalUrl: url)));
                else
                    Assert.Equal(expected, await LiveEqualsJournalAsync(data, task, url));
            }
        }
    }

    /// <summary>Asserts that a session's live workspace (mounted as the engine mounts it) equals the one its journal
    /// rebuilds (<c>workspace --out</c>), and returns that listing.</summary>
    /// <summary>The fixture's task file and template in a folder of their own.</summary>
    private static string CopyOfTasks(string tasks)
    {
        var dir = Cli.NewTempDir();
        File.Copy(tasks, Path.Combine(dir, "tasks.jsonl"));
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        foreach (var file in Directory.GetFiles(Path.Combine(Path.GetDirectoryName(tasks)!, "template")))
            File.Copy(file, Path.Combine(dir, "template", Path.GetFileName(file)));
        return Path.Combine(dir, "tasks.jsonl");
    }

    private static async Task<IReadOnlyList<string>> LiveEqualsJournalAsync(string data, string task, string? journalUrl)
    {
        var rebuilt = TreeListing.Of(await Cli.WorkspaceAsync(data, $"k:{task}:0", journalUrl: journalUrl));
        using var live = Environments.Workspace.Open(Path.Combine(data, "workspaces", "k", $"{task}-0"), Directory.GetDirectories(Path.Combine(data, "templates")).Single());
        Assert.Equal(rebuilt, TreeListing.Of(live.Root));
        return rebuilt;
    }

    public static Dictionary<(string Prompt, int Turn), int> CountPerTurn(IEnumerable<RecordedRequest> requests) =>
        requests.GroupBy(r => (PromptOf(r), r.Turn ?? -1)).ToDictionary(g => g.Key, g => g.Count());

    private static string PromptOf(RecordedRequest r) =>
        (string)JsonNode.Parse(r.Body)!["messages"]!.AsArray().First(m => (string?)m!["role"] == "user")!["content"]!;

    /// <summary>The task a request belongs to: prompts are "task number N[ (slow)]" for task tN.</summary>
    private static string TaskOf(RecordedRequest r) => "t" + PromptOf(r).Split(' ')[2];

    private static IEnumerable<JsonNode> ToolMessages(RecordedRequest r) =>
        JsonNode.Parse(r.Body)!["messages"]!.AsArray().Where(m => (string?)m!["role"] == "tool")!;

    /// <summary>Trajectory records by task id; a task listed twice fails.</summary>
    public static Dictionary<string, JsonObject> ByTask(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToDictionary(t => (string)t["task_id"]!);

    /// <summary>A trajectory without what differs between any two runs: session and fleet ids, durations. A tool message
    /// in <paramref name="interruptedCalls"/> keeps only its call id, and the usage and cost of its trajectory go (the
    /// request after it carried a different tool result, so its prompt had other tokens).</summary>
    private static string Normalise(JsonObject trajectory, IReadOnlySet<string> interruptedCalls)
    {
        var t = trajectory.DeepClone().AsObject();
        foreach (var volatileField in new[] { "session_id", "fleet_id", "duration_ms" }) t.Remove(volatileField);
        foreach (var message in t["messages"]!.AsArray().Select(m => m!.AsObject()))
        {
            // What a command measured of itself (its time, its peaks) differs from run to run; what it did does not.
            foreach (var measured in new[] { "duration_ms", "peak_memory_bytes", "peak_processes" })
                (message["tool_result"]?["data"] as JsonObject)?.Remove(measured);
            if ((string?)message["tool_call_id"] is not { } id || !interruptedCalls.Contains(id)) continue;
            message["content"] = "<interrupted>";
            message.Remove("tool_result");
            t.Remove("usage");
            t.Remove("cost_usd");
        }
        return t.ToJsonString();
    }

    /// <summary>A fleet's journal right after the kill, from <c>trace --fleet</c>: how many sessions completed, which had a
    /// model request journaled as started without an answer, and which tool calls started without completing.</summary>
    private sealed record JournalAtKill(int Completed, HashSet<string> OpenModelRequests, List<(string Task, string CallId, string Name)> OpenToolCalls)
    {
        public static async Task<JournalAtKill> ReadAsync(string data, string fleet, string[] journal)
        {
            var dir = Path.Combine(Path.GetDirectoryName(data)!, "trace-at-kill");
            var trace = await Cli.RunAsync(["trace", "--fleet", fleet, "--out", dir, .. journal]);
            Assert.True(trace.ExitCode == 0, trace.ToString());
            var (completed, openModel, openTools) = (0, new HashSet<string>(), new List<(string, string, string)>());
            foreach (var file in Directory.GetFiles(dir, "*.jsonl"))
            {
                var lines = (await File.ReadAllLinesAsync(file)).Select(l => JsonNode.Parse(l)!).ToList();
                Assert.True(lines.Count > 0 && (string?)lines[0]["_type"] == "metadata", $"{Path.GetFileName(file)}: a trace without its metadata line");
                var task = (string)lines[0]["task_id"]!;
                var (modelOpen, tools) = (false, new Dictionary<string, string>());
                foreach (var e in lines.Where(l => (string?)l["_type"] == "event"))
                {
                    switch ((string?)e["type"])
                    {
                        case "model_request_started": modelOpen = true; break;
                        case "model_response_received" or "model_request_failed": modelOpen = false; break;
                        case "tool_call_started": tools[(string)e["data"]!["tool_call_id"]!] = (string)e["data"]!["name"]!; break;
                        case "tool_call_completed": tools.Remove((string)e["data"]!["tool_call_id"]!); break;
                        case "session_completed": completed++; break;
                    }
                }
                if (modelOpen) openModel.Add(task);
                openTools.AddRange(tools.Select(kv => (task, kv.Key, kv.Value)));
            }
            return new JournalAtKill(completed, openModel, openTools);
        }
    }
}

/// <summary>Completes <see cref="Seen"/> with the path of the first file called <c>name</c> created anywhere under
/// <c>root</c>: a FileSystemWatcher feeding a TaskCompletionSource, no polling. A session's workspace appears by a rename
/// (copied aside, then moved in), and the watcher's watch on a new folder may come after files were made in it, so
/// every folder that appears is also searched at once; and if the watcher's buffer overflows (events were lost), the
/// whole tree is searched again.</summary>
internal sealed class FileAppears : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly string _root;
    private readonly string _name;
    private readonly TaskCompletionSource<string> _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FileAppears(string root, string name)
    {
        (_root, _name) = (root, name);
        _watcher = new FileSystemWatcher(root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += (_, e) => Check(e.FullPath);
        _watcher.Renamed += (_, e) => Check(e.FullPath);
        _watcher.Error += (_, _) => Check(_root); // lost events: look again everywhere
        _watcher.EnableRaisingEvents = true;
        Check(root);
    }

    public Task<string> Seen => _seen.Task;

    private void Check(string path)
    {
        if (_seen.Task.IsCompleted) return;
        try
        {
            if (Path.GetFileName(path) == _name && File.Exists(path)) _seen.TrySetResult(path);
            else if (Directory.Exists(path))
                foreach (var existing in Directory.EnumerateFiles(path, _name, SearchOption.AllDirectories)) _seen.TrySetResult(existing);
        }
        catch (IOException)
        {
            // The folder moved away while it was searched (a staging folder renamed into place): its new name raises its own event.
        }
    }

    public void Dispose() => _watcher.Dispose();
}

public class CtrlCTests(UninterruptedFleet baseline) : IClassFixture<UninterruptedFleet>
{
    [Fact]
    public async Task CtrlC_DuringARun_Exits130WithSessionsInterruptedAndResumeCompletesTheFleet()
    {
        var data = Path.Combine(Cli.NewTempDir(), "data");
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(UninterruptedFleet.Script));
        using var run = Cli.Start(["run", baseline.Tasks, "--base-url", server.BaseUrl.ToString(), "--concurrency", "8", "--data-dir", data, "--fleet-id", "c"]);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            var tenth = server.WhenRequestsReach(10, deadline.Token); // the server's own log tells the moment to interrupt
            await Task.WhenAny(tenth, run.WaitForExitAsync(deadline.Token));
            Assert.True(tenth.IsCompletedSuccessfully && !run.HasExited, $"no 10th request while the run was going (exited: {run.HasExited})");
        }

        using (var interrupt = System.Diagnostics.Process.Start("kill", ["-INT", run.Id.ToString()])) await interrupt.WaitForExitAsync();
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(130, run.ExitCode);
        var statuses = System.Text.Json.Nodes.JsonNode.Parse((await Cli.RunAsync(["sessions", "--fleet", "c", "--data-dir", data, "--json"])).Stdout)!
            .AsArray().Select(r => (string)r!["status"]!).ToList();
        Assert.Contains("interrupted", statuses);
        Assert.DoesNotContain("running", statuses);
        var resume = await Cli.RunAsync(["resume", "c", "--data-dir", data]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains($"{UninterruptedFleet.Sessions} sessions: {UninterruptedFleet.Sessions} completed", resume.Stdout);
    }
}
