using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Bench.RealRepo;

/// <summary>Issue 10's benchmark: Debian's Python standard library (1,403 files, 54 MB) as the template. Workspace
/// set-up and change tracking are measured in this process on the real classes; the fleets (<c>real-repo</c> against
/// the same fleet on a template holding only the files it touches) and the 20 MB write run the real CLI, each in a
/// process of its own whose peak memory and CPU are read off /proc.</summary>
public static class RealRepoBench
{
    public const string Stdlib = "/usr/lib/python3.11";

    public sealed record Results(
        string Template, int TemplateFiles, double TemplateMb, double CaptureMs,
        double ReadyMedianMs, double ReadyMaxMs, long FreshWorkspaceBytes,
        double TrackMedianMs, double TrackP99Ms, double TrackLargeTemplateMedianMs, int LargeTemplateFiles,
        double Rebuild100StepsMs, double Rebuild100StepsTreeMs,
        FleetFigures RealRepo, FleetFigures TouchedFilesOnly, double StepsRatio,
        WriteFigures Write20Mb, WriteFigures WriteSmall, IReadOnlyList<ModeResult>? Modes = null);

    public sealed record FleetFigures(
        string Name, int Sessions, int Concurrency, int Completed, long ModelCalls, double WallSeconds, double StepsPerSecond, double PeakRssMb,
        double CpuSeconds, long WorkspacesBytes, long TemplatesBytes, long BlobsBytes, long JournalBytes);

    public sealed record WriteFigures(long ContentBytes, double PeakRssMb, double CpuSeconds, long JournalBytes, long BlobsBytes, double WallSeconds = 0, int AnswerAfterMs = 0);

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir, CancellationToken cancel)
    {
        if (!Directory.Exists(Stdlib))
        {
            Console.Error.WriteLine($"real-repo needs {Stdlib} (Debian's python3.11 package): apt-get install python3.11");
            return 2;
        }
        var work = Path.Combine(Path.GetTempPath(), "ar-bench-real-repo", Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var results = await RunAsync(quick, work, cancel);
            Console.WriteLine(Markdown(results));
            var file = BenchFiles.NewResultsFile(resultsDir, "real-repo", quick);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }), cancel);
            Console.WriteLine($"results: {file}");
            return results.RealRepo.Completed == results.RealRepo.Sessions && results.TouchedFilesOnly.Completed == results.TouchedFilesOnly.Sessions ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The 20 MB write against the 20-byte one, alone (each in a fresh process, five times in turn, on a machine
    /// not yet busy with the full run's template copies): the figure to check when working on large content. Each round
    /// also runs the 20-byte write once more with the model answering as much later as the 20 MB run took longer: a
    /// process that lives longer compiles more of its startup code again in the background (a 20-byte run kept 1.5 s
    /// longer costs 0.5–0.7 s more CPU, nearly all in the JIT), and that third run tells this cost from the content's.</summary>
    public static async Task<int> WriteOnlyAsync(string resultsDir, CancellationToken cancel)
    {
        var work = Path.Combine(Path.GetTempPath(), "ar-bench-real-repo", Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var runs = new List<WriteFigures[]>();
            // Five rounds: a run's CPU varies by ±0.3 s on this machine, a sixth of the figure.
            for (var i = 0; i < 5; i++)
            {
                var folder = Path.Combine(work, $"r{i}");
                var big = await WriteAsync(20 << 20, folder, cancel);
                var small = await WriteAsync(20, folder, cancel);
                var waiting = await WriteAsync(20, folder, cancel, answerAfterMs: (int)Math.Max(0, (big.WallSeconds - small.WallSeconds) * 1000));
                runs.Add([big, small, waiting]);
                foreach (var w in runs[^1])
                    Console.WriteLine($"write_file of {w.ContentBytes:N0} bytes{(w.AnswerAfterMs > 0 ? $", model answering {w.AnswerAfterMs} ms later" : "")}: peak RSS {w.PeakRssMb:0} MB, CPU {w.CpuSeconds:0.00} s, wall {w.WallSeconds:0.00} s, journal {w.JournalBytes / 1e6:0.0} MB, blobs {w.BlobsBytes / 1e6:0.0} MB");
            }
            var extraCpu = runs.Select(r => r[0].CpuSeconds - r[1].CpuSeconds).Order().ToList();
            var extraCpuVsWaiting = runs.Select(r => r[0].CpuSeconds - r[2].CpuSeconds).Order().ToList();
            var results = new WriteOnlyResults(runs, Median(runs.Select(r => r[0].PeakRssMb - r[1].PeakRssMb).ToList()), Median(extraCpu), Median(extraCpuVsWaiting));
            string Each(List<double> cpu) => string.Join(", ", cpu.Select(c => $"{c:+0.00;-0.00}"));
            Console.WriteLine($"median of {runs.Count}: +{results.MedianExtraRssMb:0} MB peak RSS, +{results.MedianExtraCpuSeconds:0.00} s CPU for the 20 MB write (each round: {Each(extraCpu)} s)");
            Console.WriteLine($"  against the 20-byte run kept as long: +{results.MedianExtraCpuVsEquallyLongSeconds:0.00} s (each round: {Each(extraCpuVsWaiting)} s)");
            var file = BenchFiles.NewResultsFile(resultsDir, "real-repo-write", quick: false);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }), cancel);
            Console.WriteLine($"results: {file}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Each run is [20 MB, 20 bytes, 20 bytes with the model answering later]; the medians are the 20 MB run's
    /// extra peak RSS and CPU against the quick 20-byte run, and its extra CPU against the one kept as long.</summary>
    public sealed record WriteOnlyResults(List<WriteFigures[]> Runs, double MedianExtraRssMb, double MedianExtraCpuSeconds, double MedianExtraCpuVsEquallyLongSeconds);

    private static async Task<Results> RunAsync(bool quick, string work, CancellationToken cancel)
    {
        var templates = Path.Combine(work, "templates");
        var clock = Stopwatch.StartNew();
        var captured = TemplateCapture.Capture(Stdlib, templates);
        var captureMs = clock.Elapsed.TotalMilliseconds;
        Console.Error.WriteLine($"real-repo: captured {Stdlib}: {captured.Files:N0} files, {captured.Bytes / 1e6:0.0} MB in {captureMs:0} ms");

        var (readyMedian, readyMax, freshBytes) = MeasureReady(captured.Folder, Path.Combine(work, "ready"), quick ? 10 : 50);
        Console.Error.WriteLine($"real-repo: workspace ready in {readyMedian:0.0} ms (max {readyMax:0.0}), {freshBytes / 1024.0:0} KB before any write");
        var (trackMedian, trackP99) = MeasureTracking(captured.Folder, "", Path.Combine(work, "track"), quick ? 20 : 100);
        var large = LargeTemplate(work, quick ? 2 : 10);
        var (trackLarge, _) = MeasureTracking(large.Folder, "copy0/", Path.Combine(work, "track-large"), quick ? 20 : 100);
        Console.Error.WriteLine($"real-repo: change tracking {trackMedian:0.00} ms (p99 {trackP99:0.00}); on {large.Files:N0} files {trackLarge:0.00} ms");
        var (rebuildUpper, rebuildTree) = await MeasureRebuildAsync(captured.Folder, Path.Combine(work, "rebuild"), cancel);
        Console.Error.WriteLine($"real-repo: a 100-step session's workspace rebuilt in {rebuildUpper:0} ms (upper layer), {rebuildTree:0} ms (whole tree)");

        // Before the fleets: measured after them, on a machine busy with a thousand workspaces' pages, the same write
        // showed 3–4 s more CPU than alone.
        var big = await WriteAsync(20 << 20, work, cancel);
        var small = await WriteAsync(20, work, cancel);
        var (sessions, concurrency) = quick ? (40, 16) : (1_000, 256);
        var script = Path.Combine(work, "real-repo.json");
        await File.WriteAllTextAsync(script, RealRepoScript.Json(), cancel);
        var realRepo = await FleetAsync("real-repo", Stdlib, sessions, concurrency, script, work, cancel);
        var touched = await FleetAsync("touched-files-only", TouchedOnlyTemplate(work), sessions, concurrency, script, work, cancel);

        var modes = await ModesAsync(new Workload("real-repo", sessions, RealRepoScript.ToolTurns, 0, concurrency, Stdlib, AllTools), script, work, cancel);
        return new Results(Stdlib, captured.Files, captured.Bytes / 1e6, captureMs, readyMedian, readyMax, freshBytes,
            trackMedian, trackP99, trackLarge, large.Files, rebuildUpper, rebuildTree,
            realRepo, touched, realRepo.StepsPerSecond / touched.StepsPerSecond, big, small, modes);
    }

    /// <summary>Opening a new session's workspace over the captured template: its folders and the overlay mount.</summary>
    private static (double Median, double Max, long Bytes) MeasureReady(string template, string folder, int count)
    {
        var times = new List<double>();
        long bytes = 0;
        // The process's mount helper starts once, before any session (as `run` does when it checks that mounts work).
        _ = MountNamespace.Shared;
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            using var workspace = Workspace.Open(Path.Combine(folder, $"s{i}"), template);
            times.Add(clock.Elapsed.TotalMilliseconds);
            bytes = ChildMeter.DiskBytes(Path.Combine(folder, $"s{i}"));
        }
        return (Median(times), times.Max(), bytes);
    }

    /// <summary>What a write tool call's change tracking costs in a session that has changed a dozen files already: the
    /// same dozen library files (under <paramref name="prefix"/>) whatever the template, so only its size differs.</summary>
    private static (double Median, double P99) MeasureTracking(string template, string prefix, string folder, int count)
    {
        using var workspace = Workspace.Open(folder, template);
        var tracker = new ChangeTracker(workspace, null);
        var targets = Directory.EnumerateFiles(Stdlib, "*.py").Order(StringComparer.Ordinal).Take(12).Select(f => prefix + Path.GetFileName(f)).ToList();
        foreach (var target in targets) File.AppendAllText(Path.Combine(workspace.Root, target), "# changed\n");
        tracker.Track();
        var times = new List<double>();
        for (var i = 0; i < count; i++)
        {
            File.AppendAllText(Path.Combine(workspace.Root, targets[i % targets.Count]), $"# edit {i}\n");
            var clock = Stopwatch.StartNew();
            var (changes, _) = tracker.Track();
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (changes.Count != 1) throw new InvalidOperationException($"expected one change, got {changes.Count}");
        }
        times.Sort();
        return (Median(times), times[(int)(times.Count * 0.99)]);
    }

    /// <summary>The standard library <paramref name="copies"/> times over, as one template.</summary>
    private static CapturedTemplate LargeTemplate(string work, int copies)
    {
        var source = Path.Combine(work, "large-source");
        Directory.CreateDirectory(source);
        for (var i = 0; i < copies; i++)
        {
            using var cp = Process.Start("cp", ["-a", Stdlib, Path.Combine(source, $"copy{i}")]);
            cp.WaitForExit();
        }
        return TemplateCapture.Capture(source, Path.Combine(work, "templates-large"));
    }

    /// <summary>A session of 100 write tool calls (edits of library files and new files), its changes as the journal
    /// holds them, rebuilt as the overlay's upper layer (what resume does) and as a whole tree (<c>workspace --out</c>).</summary>
    private static async Task<(double UpperMs, double TreeMs)> MeasureRebuildAsync(string template, string folder, CancellationToken cancel)
    {
        var blobs = new BlobStore(Path.Combine(folder, "blobs"));
        var changes = new List<FileChange>();
        using (var workspace = Workspace.Open(Path.Combine(folder, "live"), template))
        {
            var executor = new ToolExecutor(workspace, ["write_file", "edit_file", "read_file"], EnvironmentOptions.Default with { RequireReadFirst = [] }, blobs);
            var files = Directory.EnumerateFiles(template, "*.py").Take(50).Select(f => Path.GetFileName(f)).ToList();
            for (var step = 0; step < 100; step++)
            {
                var call = step % 2 == 0
                    ? new ToolCall($"c{step}", "write_file", JsonSerializer.Serialize(new { path = $"new/file{step}.py", content = $"print({step})\n" }))
                    : new ToolCall($"c{step}", "write_file", JsonSerializer.Serialize(new { path = files[step / 2], content = File.ReadAllText(Path.Combine(template, files[step / 2])) + "# edited\n" }));
                changes.AddRange((await executor.ExecuteAsync(call, cancel)).Changes);
            }
        }
        var clock = Stopwatch.StartNew();
        new WorkspaceRebuild(template, changes, blobs).WriteUpper(Workspace.UpperOf(Path.Combine(folder, "rebuilt")));
        var upper = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        new WorkspaceRebuild(template, changes, blobs).WriteTree(Path.Combine(folder, "tree"));
        return (upper, clock.Elapsed.TotalMilliseconds);
    }

    private static string TouchedOnlyTemplate(string work)
    {
        var root = Path.Combine(work, "touched-source");
        foreach (var file in RealRepoScript.Touched)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, file))!);
            File.Copy(Path.Combine(Stdlib, file), Path.Combine(root, file));
        }
        return root;
    }

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll");

    /// <summary>The fleet through the real CLI, in a process of its own, on the journal, with the bubblewrap sandbox. The
    /// scripted model runs in the same process (<c>--fake-llm</c>) for both fleets alike.</summary>
    private static async Task<FleetFigures> FleetAsync(string name, string template, int sessions, int concurrency, string script, string work, CancellationToken cancel)
    {
        var dir = Path.Combine(work, name);
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(dir);
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(tasks, Enumerable.Range(0, sessions).Select(i =>
            JsonSerializer.Serialize(new { id = $"t{i:d5}", prompt = $"Tidy the library ({i})", workspace = template, tools = new[] { "read_file", "write_file", "edit_file", "list_files", "search", "bash" } })), cancel);
        Console.Error.WriteLine($"real-repo: {name}: {sessions:N0} sessions × {RealRepoScript.ToolTurns} tool turns at concurrency {concurrency} …");
        var run = await ChildMeter.RunAsync("dotnet", [Cli, "run", tasks, "--fake-llm", script, "--data-dir", data, "--fleet-id", name, "--concurrency", concurrency.ToString()], cancel);
        if (run.ExitCode != 0) throw new InvalidOperationException($"{name}: the run failed ({run.ExitCode}): {run.Stderr}\n{run.Stdout[^Math.Min(2000, run.Stdout.Length)..]}");
        var completed = int.Parse(System.Text.RegularExpressions.Regex.Match(run.Stdout, @"(\d+) completed").Groups[1].Value, CultureInfo.InvariantCulture);
        var calls = (long)sessions * (RealRepoScript.ToolTurns + 1);
        // The wall time counts the process's start and the template's capture: what a user waits for.
        var figures = new FleetFigures(name, sessions, concurrency, completed, calls, run.WallSeconds, calls / run.WallSeconds, run.PeakRssMb, run.CpuSeconds,
            ChildMeter.DiskBytes(Path.Combine(data, "workspaces")), ChildMeter.DiskBytes(Path.Combine(data, "templates")),
            ChildMeter.DiskBytes(Path.Combine(data, "blobs")), JournalBytes(data));
        Console.Error.WriteLine($"real-repo: {name}: {figures.StepsPerSecond:0} steps/s, peak {figures.PeakRssMb:0} MB, workspaces {figures.WorkspacesBytes / 1e6:0.0} MB");
        return figures;
    }

    private static readonly string[] AllTools = ["read_file", "write_file", "edit_file", "list_files", "search", "bash"];

    /// <summary>Modes that can run <c>real-repo</c>, side by side as the fleet benchmark runs them (each in a process of
    /// its own, against one FakeLlm process): the hand-written loop and Agent Framework on the same tool code, the same
    /// copy-on-write workspaces over the library and the same sandbox, and the engine with its SQLite journal.</summary>
    private static async Task<IReadOnlyList<ModeResult>> ModesAsync(Workload workload, string script, string work, CancellationToken cancel)
    {
        await using var model = await FakeLlmProcess.StartAsync(script, cancel);
        var results = new List<ModeResult>();
        foreach (var mode in new[] { "bare-loop", "engine-sqlite", "agent-framework" })
        {
            Console.Error.WriteLine($"real-repo: mode {mode}: {workload}");
            var result = await ModeProcess.RunAsync(mode, workload, model.BaseUrl, Path.Combine(work, $"mode-{mode}"), cancel);
            Console.Error.WriteLine($"real-repo: mode {mode}: {result.StepsPerSecond:0} steps/s, peak {result.PeakRssMb:0} MB");
            results.Add(result);
        }
        return results;
    }

    /// <summary>One session that writes <paramref name="bytes"/> of text with write_file, through the CLI.</summary>
    private static async Task<WriteFigures> WriteAsync(int bytes, string work, CancellationToken cancel, int answerAfterMs = 0)
    {
        var dir = Path.Combine(work, $"write-{bytes}-{answerAfterMs}");
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(dir);
        var content = new StringBuilder(bytes);
        for (var i = 0; content.Length < bytes; i++) content.Append(CultureInfo.InvariantCulture, $"line {i}: the actors keep the journal\n");
        content.Length = bytes;
        var script = Path.Combine(dir, "script.json");
        await File.WriteAllTextAsync(script, JsonSerializer.Serialize(new
        {
            scenarios = new[] { new { turns = new object[] { new { tool_calls = new[] { new { name = "write_file", arguments = (object)new { path = "big.txt", content = content.ToString() } } } }, new { content = "Written.", delay_ms = answerAfterMs } } } },
        }), cancel);
        var tasks = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllTextAsync(tasks, """{"id":"w","prompt":"write it","tools":["write_file"]}""" + "\n", cancel);
        // The model in a process of its own: the 20 MB it sends must not count as the engine's memory.
        await using var model = await FakeLlmProcess.StartAsync(script, cancel);
        var run = await ChildMeter.RunAsync("dotnet", [Cli, "run", tasks, "--base-url", model.BaseUrl.ToString(), "--data-dir", data, "--fleet-id", "w"], cancel);
        if (run.ExitCode != 0) throw new InvalidOperationException($"write {bytes}: the run failed: {run.Stderr}");
        return new WriteFigures(bytes, run.PeakRssMb, run.CpuSeconds, JournalBytes(data), ChildMeter.DiskBytes(Path.Combine(data, "blobs")), run.WallSeconds, answerAfterMs);
    }

    private static long JournalBytes(string data) =>
        Directory.EnumerateFiles(data, "journal.db*").Sum(f => new FileInfo(f).Length);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    public static string Markdown(Results r)
    {
        string Mb(long b) => (b / 1e6).ToString("0.0", CultureInfo.InvariantCulture);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Template: {r.Template}, {r.TemplateFiles:N0} files, {r.TemplateMb:0.0} MB, captured once in {r.CaptureMs:0} ms.\n\n");
        text.Append("| measure | result | target |\n|---|---|---|\n");
        text.Append(CultureInfo.InvariantCulture, $"| workspace ready (median / max of {(r.RealRepo.Sessions > 100 ? 50 : 10)}) | {r.ReadyMedianMs:0.0} / {r.ReadyMaxMs:0.0} ms | ≤ 20 ms |\n");
        text.Append(CultureInfo.InvariantCulture, $"| disk of a fresh workspace | {r.FreshWorkspaceBytes / 1024.0:0} KB | ≤ 100 KB |\n");
        text.Append(CultureInfo.InvariantCulture, $"| change tracking per write call (median / p99) | {r.TrackMedianMs:0.00} / {r.TrackP99Ms:0.00} ms | ≤ 2 ms |\n");
        text.Append(CultureInfo.InvariantCulture, $"| … on a {r.LargeTemplateFiles:N0}-file template | {r.TrackLargeTemplateMedianMs:0.00} ms ({r.TrackLargeTemplateMedianMs / r.TrackMedianMs:0.00}×) | ≤ 2× |\n");
        text.Append(CultureInfo.InvariantCulture, $"| rebuild a 100-step session (upper layer / whole tree) | {r.Rebuild100StepsMs:0} / {r.Rebuild100StepsTreeMs:0} ms | ≤ 1,000 ms |\n");
        foreach (var f in new[] { r.RealRepo, r.TouchedFilesOnly })
            text.Append(CultureInfo.InvariantCulture, $"| fleet {f.Name}: {f.Completed:N0}/{f.Sessions:N0} sessions at {f.Concurrency} | {f.StepsPerSecond:0} steps/s, peak RSS {f.PeakRssMb:0} MB, CPU {f.CpuSeconds:0} s, workspaces {Mb(f.WorkspacesBytes)} MB, templates {Mb(f.TemplatesBytes)} MB, blobs {Mb(f.BlobsBytes)} MB, journal {Mb(f.JournalBytes)} MB | RSS ≤ 1,500 MB |\n");
        text.Append(CultureInfo.InvariantCulture, $"| steps/s, real-repo ÷ touched-files-only | {r.StepsRatio:0.00}× | ≥ 0.8× |\n");
        text.Append(CultureInfo.InvariantCulture, $"| one 20 MB write_file (vs a 20-byte one) | peak RSS {r.Write20Mb.PeakRssMb:0} MB (+{r.Write20Mb.PeakRssMb - r.WriteSmall.PeakRssMb:0}), CPU {r.Write20Mb.CpuSeconds:0.00} s (+{r.Write20Mb.CpuSeconds - r.WriteSmall.CpuSeconds:0.00}), journal {Mb(r.Write20Mb.JournalBytes)} MB, blobs {Mb(r.Write20Mb.BlobsBytes)} MB | ≤ 3× (60 MB) more memory, ≤ 1 s CPU, stored once |\n");
        if (r.Modes is { Count: > 0 } modes)
        {
            var bare = modes.First(m => m.Mode == "bare-loop").StepsPerSecond;
            text.Append(CultureInfo.InvariantCulture, $"\n`real-repo` in every mode that can run it ({modes[0].Sessions:N0} sessions at concurrency {r.RealRepo.Concurrency}, latency 0):\n\n");
            text.Append("| mode | steps/s | ÷ bare-loop | step p50 / p99 | peak RSS | CPU per step |\n|---|---:|---:|---:|---:|---:|\n");
            foreach (var m in modes)
                text.Append(CultureInfo.InvariantCulture, $"| {m.Mode} | {m.StepsPerSecond:0} | {m.StepsPerSecond / bare:0.00}× | {m.StepP50Ms:0.0} / {m.StepP99Ms:0} ms | {m.PeakRssMb:0} MB | {m.CpuMsPerStep:0.00} ms |\n");
            text.Append('\n');
        }
        return text.ToString();
    }
}
