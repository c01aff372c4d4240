using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Bench.RealRepo;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Bench;

/// <summary>What the service costs (issue 30): the same fleet with <c>--tokens capture</c>, run by <c>run</c> and by
/// <c>serve</c> driven over HTTP as a trainer drives it (the fleet posted, its token samples read from the stream as sessions
/// finish), each in a process of its own against one scripted server. Measured: each process's CPU from its start until
/// the fleet's last sample was read, at two fleet sizes, twice each. Reported: the CPU a step and a session add (the
/// difference between the two sizes, so start-up, which both pay once, drops out) and their ratio. Every model request of a
/// served fleet passes its policy gate, and every sample goes out over HTTP: that is what the ratio prices.</summary>
public static class ServeBench
{
    public sealed record Row(string Mode, int Sessions, int Steps, double WallSeconds, double CpuSeconds, long Lines);

    private const int Turns = 4;

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir, CancellationToken cancel)
    {
        int[] sizes = quick ? [8, 24] : [20, 400];
        var work = Path.Combine(Path.GetTempPath(), "ar-bench-serve", Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script), keepRequests: false, cancellationToken: cancel);
            var rows = new List<Row>();
            foreach (var round in new[] { 1, 2 })
                foreach (var sessions in sizes)
                {
                    var tasks = Enumerable.Range(0, sessions).Select(i => new JsonObject { ["id"] = $"t{i}", ["prompt"] = $"serve bench {i}", ["tools"] = new JsonArray("list_files") }).ToList();
                    var taskFile = Path.Combine(work, $"tasks-{sessions}.jsonl");
                    await File.WriteAllLinesAsync(taskFile, tasks.Select(t => t.ToJsonString()), cancel);
                    rows.Add(await RunModeAsync(taskFile, work, server.BaseUrl, sessions, $"{round}-{sessions}", cancel));
                    rows.Add(await ServeModeAsync(tasks, work, server.BaseUrl, sessions, $"{round}-{sessions}", cancel));
                }
            var added = AddedByMode(rows);
            Console.WriteLine(Markdown(rows, added));
            var file = BenchFiles.NewResultsFile(resultsDir, "serve", quick);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, turns = Turns + 1, serve = rows, added },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), cancel);
            Console.WriteLine($"results: {file}");
            return rows.All(r => r.Lines == r.Sessions) ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Four tool turns (a directory listing each) and an answer.</summary>
    private static string Script =>
        $$"""{ "scenarios": [ { "turns": [ {{string.Join(", ", Enumerable.Repeat("""{ "content": "Looking around.", "tool_calls": [ { "name": "list_files", "arguments": {} } ] }""", Turns))}}, { "content": "Done." } ] } ] }""";

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll");

    private static async Task<Row> RunModeAsync(string taskFile, string work, Uri baseUrl, int sessions, string round, CancellationToken cancel)
    {
        var run = await ChildMeter.RunAsync("dotnet", [Cli, "run", taskFile, "--base-url", baseUrl.ToString(), "--data-dir", Path.Combine(work, $"run{round}"),
            "--fleet-id", "bench", "--tokens", "capture", "--concurrency", "16", "--sandbox", "none"], cancel);
        if (run.ExitCode != 0) throw new InvalidOperationException($"serve bench: the run fleet failed (exit {run.ExitCode}):\n{run.Stderr}");
        return Measured("run", sessions, run.WallSeconds, run.CpuSeconds, sessions);
    }

    private static async Task<Row> ServeModeAsync(List<JsonObject> tasks, string work, Uri baseUrl, int sessions, string round, CancellationToken cancel)
    {
        var start = new ProcessStartInfo("dotnet", [Cli, "serve", "--data-dir", Path.Combine(work, $"serve{round}"), "--port", "0"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var clock = Stopwatch.StartNew();
        using var serve = Process.Start(start)!;
        _ = serve.StandardError.ReadToEndAsync(cancel);
        try
        {
            string? line;
            while ((line = await serve.StandardOutput.ReadLineAsync(cancel)) is not null && !line.StartsWith("serve: http", StringComparison.Ordinal)) { }
            if (line is null) throw new InvalidOperationException("serve bench: serve printed no address");
            _ = serve.StandardOutput.ReadToEndAsync(cancel);
            using var http = new HttpClient { BaseAddress = new Uri(line.Split(' ')[1].Replace("v1/", "")), Timeout = Timeout.InfiniteTimeSpan };
            var body = new JsonObject
            {
                ["fleet_id"] = "bench",
                ["settings"] = new JsonObject { ["base_url"] = baseUrl.ToString(), ["model"] = "m", ["tokens"] = "capture", ["concurrency"] = 16, ["sandbox"] = "none" },
                ["tasks"] = new JsonArray([.. tasks.Select(t => t.DeepClone())]),
            };
            var created = await http.PostAsync("/v1/fleets", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), cancel);
            if (!created.IsSuccessStatusCode) throw new InvalidOperationException($"serve bench: POST /v1/fleets: {await created.Content.ReadAsStringAsync(cancel)}");
            var lines = await ReadSamplesAsync(http, sessions, cancel);
            var cpu = CpuSeconds(serve.Id);
            return Measured("serve", sessions, clock.Elapsed.TotalSeconds, cpu, lines);
        }
        finally
        {
            serve.Kill();
            await serve.WaitForExitAsync(cancel);
        }
    }

    /// <summary>Reads the token stream until every session's samples came, as a trainer's loop does.</summary>
    private static async Task<long> ReadSamplesAsync(HttpClient http, int sessions, CancellationToken cancel)
    {
        var (done, cursor) = (0L, (string?)null);
        while (done < sessions)
        {
            using var response = await http.GetAsync($"/v1/fleets/bench/trajectories?format=tokens&wait=60{(cursor is null ? "" : $"&after={cursor}")}",
                HttpCompletionOption.ResponseHeadersRead, cancel);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel));
            while (done < sessions && await reader.ReadLineAsync(cancel) is { } text)
            {
                var sample = JsonNode.Parse(text)!;
                cursor = sample["cursor"]!.GetValue<string>();
                if (cursor.EndsWith($":{sample["session_lines"]!.GetValue<int>() - 1}", StringComparison.Ordinal)) done++;
            }
        }
        return done;
    }

    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static Row Measured(string mode, int sessions, double wall, double cpu, long lines)
    {
        return new Row(mode, sessions, sessions * (Turns + 1), wall, cpu, lines);
    }

    /// <summary>What a step and a session add in a mode: the CPU between the two sizes (medians of the rounds) over the steps
    /// and sessions between them.</summary>
    public sealed record Added(string Mode, double CpuMsPerStep, double CpuMsPerSession);

    private static List<Added> AddedByMode(IReadOnlyList<Row> rows) =>
        [.. rows.GroupBy(r => r.Mode).Select(mode =>
        {
            var bySize = mode.GroupBy(r => r.Sessions).OrderBy(g => g.Key)
                .Select(g => (Sessions: g.Key, g.First().Steps, Cpu: Median(g.Select(r => r.CpuSeconds)))).ToList();
            var (small, large) = (bySize[0], bySize[^1]);
            var cpuMs = (large.Cpu - small.Cpu) * 1000;
            return new Added(mode.Key, cpuMs / (large.Steps - small.Steps), cpuMs / (large.Sessions - small.Sessions));
        })];

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static string Markdown(IReadOnlyList<Row> rows, IReadOnlyList<Added> added)
    {
        var (run, serve) = (added.Single(a => a.Mode == "run"), added.Single(a => a.Mode == "serve"));
        return "| mode | sessions | steps | CPU (from start) | wall |\n|---|---:|---:|---:|---:|\n" +
               string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture,
                   $"| {r.Mode} | {r.Sessions} | {r.Steps} | {r.CpuSeconds:0.00} s | {r.WallSeconds:0.0} s |\n"))) +
               "\n| mode | CPU a step adds | CPU a session adds |\n|---|---:|---:|\n" +
               string.Concat(added.Select(a => string.Create(CultureInfo.InvariantCulture, $"| {a.Mode} | {a.CpuMsPerStep:0.000} ms | {a.CpuMsPerSession:0.00} ms |\n"))) +
               string.Create(CultureInfo.InvariantCulture, $"\nserve ÷ run, CPU a step adds: {serve.CpuMsPerStep / run.CpuMsPerStep:0.00}\n");
    }
}
