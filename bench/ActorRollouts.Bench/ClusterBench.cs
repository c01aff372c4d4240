using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Tests.Shared;
using Npgsql;

namespace ActorRollouts.Bench;

/// <summary><c>cluster</c>: the same fleet on 1, 2 and 3 <c>actor-rollouts node</c> processes sharing one PostgreSQL,
/// submitted by <c>run --seeds</c>, against FakeLlm in a process of its own. Per node: the sessions it ran and its CPU per
/// step; for the journal: rows written per second and the PostgreSQL server's CPU per row, the figure that bounds a
/// larger cluster (README "Performance"). On this 2-core machine more nodes cannot run faster: every process shares the
/// same two cores.</summary>
public static class ClusterBench
{
    public sealed record NodeFigures(string Address, int Sessions, long Steps, double CpuSeconds, double CpuMsPerStep);

    public sealed record Row(
        int Nodes, long Steps, double FleetSeconds, double StepsPerSecond, IReadOnlyList<NodeFigures> PerNode,
        long JournalRows, double JournalRowsPerSecond, double PostgresCpuSeconds, double PostgresCpuMsPerRow);

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir, CancellationToken cancel)
    {
        var workload = quick ? new Workload("cluster", 60, 4, 100, 60) : new Workload("cluster", 600, 10, 100, 300);
        var work = Path.Combine(Path.GetTempPath(), "ar-bench", "cluster-" + Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        var script = Path.Combine(work, "script.json");
        await File.WriteAllTextAsync(script, BenchFiles.Script(workload), cancel);
        var tasks = Path.Combine(work, "tasks.jsonl");
        await File.WriteAllTextAsync(tasks, new JsonObject
        {
            ["id"] = "b", ["prompt"] = BenchFiles.Prompt, ["system"] = BenchFiles.System, ["samples"] = workload.Sessions,
            ["workspace"] = workload.TemplateIn(work), ["tools"] = new JsonArray([.. workload.ToolNames.Select(t => (JsonNode)t)]),
        }.ToJsonString() + "\n", cancel);
        await using var fakeLlm = await FakeLlmProcess.StartAsync(script, cancel);
        Console.Error.WriteLine($"cluster: {workload}");

        var rows = new List<Row>();
        foreach (var nodes in new[] { 1, 2, 3 })
        {
            var row = await RunAsync(nodes, workload, tasks, fakeLlm.BaseUrl, Path.Combine(work, $"n{nodes}"), cancel);
            Console.Error.WriteLine($"cluster: {nodes} node(s): {row.StepsPerSecond:0} steps/s; CPU ms/step by node {string.Join(", ", row.PerNode.Select(n => n.CpuMsPerStep.ToString("0.00", CultureInfo.InvariantCulture)))}; " +
                                    $"journal {row.JournalRowsPerSecond:0} rows/s, PostgreSQL {row.PostgresCpuMsPerRow:0.000} CPU ms/row");
            rows.Add(row);
        }
        Console.WriteLine(Markdown(workload, rows));
        var file = BenchFiles.NewResultsFile(resultsDir, "cluster", quick);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, workload = workload.ToString(), cluster = rows },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), cancel);
        Console.WriteLine($"results: {file}");
        Directory.Delete(work, recursive: true);
        return 0;
    }

    private static async Task<Row> RunAsync(int count, Workload workload, string tasks, Uri baseUrl, string dir, CancellationToken cancel)
    {
        var url = PostgresServer.Instance.NewDatabaseUrl();
        var ports = Enumerable.Range(0, count).Select(_ => FreePort()).ToList();
        var seeds = string.Join(',', ports.Select(p => $"127.0.0.1:{p}"));
        var nodes = ports.Select((port, i) => CliProcess.Start(["node", "--journal-url", url, "--port", port.ToString(CultureInfo.InvariantCulture),
            "--seeds", seeds, "--data-dir", Path.Combine(dir, $"node{i}")])).ToList();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.WhenStderrContains(": up; hosting sessions", TimeSpan.FromSeconds(90))));
            var cpuBefore = nodes.Select(n => ProcessCpu.Seconds(n.Process.Id)).ToList();
            var postgresBefore = PostgresCpuSeconds();
            var rowsBefore = await JournalRowsAsync(url);

            using var submitter = CliProcess.Start(["run", tasks, "--base-url", baseUrl.ToString(), "--journal-url", url, "--seeds", seeds,
                "--fleet-id", "bench", "--concurrency", workload.Concurrency.ToString(CultureInfo.InvariantCulture), "--data-dir", Path.Combine(dir, "submitter")]);
            using (Progress.Every(TimeSpan.FromSeconds(10), () => $"cluster of {count}: running"))
                await submitter.Process.WaitForExitAsync(cancel);
            if (submitter.Process.ExitCode != 0) throw new InvalidOperationException($"the cluster fleet failed:\n{submitter.Stderr}");

            var cpu = nodes.Select((n, i) => ProcessCpu.Seconds(n.Process.Id) - cpuBefore[i]).ToList();
            var postgresCpu = PostgresCpuSeconds() - postgresBefore;
            var journalRows = await JournalRowsAsync(url) - rowsBefore;
            var sessions = await SessionsAsync(url, Path.Combine(dir, "submitter"));
            var fleetSeconds = (sessions.Max(s => s.EndedAt) - sessions.Min(s => s.StartedAt)).TotalSeconds;
            var steps = sessions.Sum(s => (long)s.Turns);
            var perNode = nodes.Select((n, i) =>
            {
                var address = $"127.0.0.1:{ports[i]}";
                var mine = sessions.Where(s => s.Node == address).ToList();
                var nodeSteps = mine.Sum(s => (long)s.Turns);
                return new NodeFigures(address, mine.Count, nodeSteps, Math.Round(cpu[i], 2), nodeSteps == 0 ? 0 : Math.Round(cpu[i] * 1000 / nodeSteps, 3));
            }).ToList();
            return new Row(count, steps, Math.Round(fleetSeconds, 2), Math.Round(steps / fleetSeconds, 1), perNode, journalRows,
                Math.Round(journalRows / fleetSeconds, 1), Math.Round(postgresCpu, 2), Math.Round(postgresCpu * 1000 / journalRows, 4));
        }
        finally
        {
            foreach (var node in nodes) node.Dispose();
        }
    }

    private sealed record Session(string? Node, int Turns, DateTimeOffset StartedAt, DateTimeOffset EndedAt);

    private static async Task<List<Session>> SessionsAsync(string url, string dataDir)
    {
        using var sessions = CliProcess.Start(["sessions", "--fleet", "bench", "--json", "--journal-url", url, "--data-dir", dataDir]);
        await sessions.Process.WaitForExitAsync();
        return [.. JsonNode.Parse(sessions.Stdout)!.AsArray().Select(s => new Session((string?)s!["node"], (int)s["turns"]!,
            DateTimeOffset.Parse((string)s["started_at"]!, CultureInfo.InvariantCulture), DateTimeOffset.Parse((string)s["ended_at"]!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>Rows in the journal table: every event of every session and fleet, and sharding's own.</summary>
    private static async Task<long> JournalRowsAsync(string url)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString(url));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM journal", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>CPU of the PostgreSQL server this benchmark started: the postmaster and every backend it forked.</summary>
    private static double PostgresCpuSeconds()
    {
        if (PostgresServer.Instance.DataDirectory is not { } data) return double.NaN;
        var postmaster = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        return ProcessCpu.Seconds(postmaster) + ProcessCpu.ChildrenOf(postmaster).Sum(ProcessCpu.Seconds);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Markdown(Workload workload, IReadOnlyList<Row> rows)
    {
        var text = new StringBuilder($"Cluster ({workload}):\n\n| nodes | steps/s | sessions per node | CPU ms per step, by node | journal rows/s | PostgreSQL CPU ms per row |\n|---|---|---|---|---|---|\n");
        foreach (var r in rows)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Nodes} | {r.StepsPerSecond:0} | {string.Join(" / ", r.PerNode.Select(n => n.Sessions))} | " +
                $"{string.Join(" / ", r.PerNode.Select(n => n.CpuMsPerStep.ToString("0.00", CultureInfo.InvariantCulture)))} | {r.JournalRowsPerSecond:0} | {r.PostgresCpuMsPerRow:0.000} |");
        return text.ToString();
    }
}

/// <summary>A process's CPU time from <c>/proc</c> (user + system, in clock ticks of 1/100 s on Linux).</summary>
public static class ProcessCpu
{
    public static double Seconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ": field 3 is fields[0]
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0; // it has exited
        }
    }

    public static IEnumerable<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(n => n!.All(char.IsAsciiDigit)).Select(n => int.Parse(n!, CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == parent);

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }
}

/// <summary>The <c>actor-rollouts</c> CLI (copied beside this benchmark) in a process of its own, its output kept.</summary>
public sealed class CliProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];

    public Process Process { get; }

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    private CliProcess(Process process) => Process = process;

    public static CliProcess Start(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var cli = new CliProcess(new Process { StartInfo = start });
        cli.Process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (cli._stdout) cli._stdout.AppendLine(e.Data);
        };
        cli.Process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (cli._stderr)
            {
                cli._stderr.AppendLine(e.Data);
                foreach (var (text, seen) in cli._waits.Where(w => e.Data.Contains(w.Text))) seen.TrySetResult();
            }
        };
        cli.Process.Start();
        cli.Process.BeginOutputReadLine();
        cli.Process.BeginErrorReadLine();
        cli.Process.StandardInput.Close();
        return cli;
    }

    public Task WhenStderrContains(string text, TimeSpan timeout)
    {
        lock (_stderr)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_stderr.ToString().Contains(text)) seen.TrySetResult();
            else _waits.Add((text, seen));
            return seen.Task.WaitAsync(timeout);
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.WaitForExit();
        Process.Dispose();
    }
}
