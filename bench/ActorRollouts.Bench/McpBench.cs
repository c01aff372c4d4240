using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Bench.RealRepo;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Bench;

/// <summary>What an MCP tool costs (issue 32): the same fleet calling a built-in tool (<c>read_file</c>), and an MCP server's
/// read-only tool (the tests' fault server's <c>whoami</c>, on Node) started in each session's sandbox, or outside it. Each
/// fleet runs in a <c>run</c> process of its own against one scripted model, twice, in alternating order. From the traces:
/// a session's first call to the tool (an MCP server starts then) and its later calls; from the run: the engine's CPU per
/// step and the fleet's one-time tool listing.</summary>
public static class McpBench
{
    private const int Calls = 4;

    public sealed record Row(string Mode, int Round, int Sessions, double FirstCallMsP50, double LaterCallMsP50, double LaterCallMsP90,
        double EngineCpuMsPerStep, double WallSeconds, double? ListingMs);

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir, CancellationToken cancel)
    {
        var sessions = quick ? 12 : 100;
        var work = Path.Combine(Path.GetTempPath(), "ar-bench-mcp", Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var template = await TemplateAsync(work, cancel);
            await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script), keepRequests: false, cancellationToken: cancel);
            var rows = new List<Row>();
            string[] modes = ["builtin", "mcp-sandboxed", "mcp-host"];
            foreach (var round in new[] { 1, 2 })
                foreach (var mode in round == 1 ? modes : modes.Reverse())
                    rows.Add(await RunModeAsync(mode, round, sessions, template, work, server.BaseUrl, cancel));
            Console.WriteLine(Markdown(rows));
            var file = BenchFiles.NewResultsFile(resultsDir, "mcp", quick);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, calls_per_session = Calls, mcp = rows },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), cancel);
            Console.WriteLine($"results: {file}");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Each scripted turn calls the tool the task names in its prompt; then an answer.</summary>
    private static string Script =>
        $$"""{ "scenarios": [ {{string.Join(", ", (string[])[Scenario("builtin", "read_file", """{ "path": "a.txt" }"""), Scenario("mcp", "faults__whoami", "{}")])}} ] }""";

    private static string Scenario(string match, string tool, string arguments) =>
        $$"""{ "match": "call {{match}}", "turns": [ {{string.Join(", ", Enumerable.Repeat($$"""{ "tool_calls": [ { "name": "{{tool}}", "arguments": {{arguments}} } ] }""", Calls))}}, { "content": "Done." } ] }""";

    /// <summary>A template with a file to read, and the fault server with its packages (from tests/mcp, <c>npm ci</c>).</summary>
    private static async Task<string> TemplateAsync(string work, CancellationToken cancel)
    {
        var mcp = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "tests", "mcp"));
        if (!File.Exists(Path.Combine(mcp, "node_modules", ".package-lock.json")))
        {
            var npm = await ChildMeter.RunAsync("npm", ["ci", "--prefix", mcp, "--no-audit", "--no-fund", "--loglevel=error"], cancel);
            if (npm.ExitCode != 0) throw new InvalidOperationException($"mcp bench: npm ci in {mcp} failed: {npm.Stderr}");
        }
        var template = Path.Combine(work, "template");
        Directory.CreateDirectory(template);
        await File.WriteAllTextAsync(Path.Combine(template, "a.txt"), "alpha\nbeta\n", cancel);
        File.Copy(Path.Combine(mcp, "fault-server.mjs"), Path.Combine(template, "fault-server.mjs"));
        CopyTree(Path.Combine(mcp, "node_modules"), Path.Combine(template, "node_modules"));
        return template;
    }

    private static async Task<Row> RunModeAsync(string mode, int round, int sessions, string template, string work, Uri baseUrl, CancellationToken cancel)
    {
        var data = Path.Combine(work, $"{mode}-{round}");
        var tasks = Path.Combine(work, $"tasks-{mode}.jsonl");
        var task = new JsonObject { ["id"] = "t", ["prompt"] = mode == "builtin" ? "call builtin" : "call mcp", ["samples"] = sessions, ["workspace"] = template, ["tools"] = new JsonArray("read_file") };
        if (mode != "builtin")
            task["mcp_servers"] = new JsonArray(new JsonObject
            {
                ["name"] = "faults",
                ["command"] = new JsonArray("node", mode == "mcp-sandboxed" ? "fault-server.mjs" : Path.Combine(template, "fault-server.mjs")),
                ["sandbox"] = mode == "mcp-sandboxed",
            });
        await File.WriteAllTextAsync(tasks, task.ToJsonString() + "\n", cancel);
        var run = await ChildMeter.RunAsync("dotnet", [Cli, "run", tasks, "--base-url", baseUrl.ToString(), "--data-dir", data, "--fleet-id", "mcp", "--concurrency", "4"], cancel);
        if (run.ExitCode != 0) throw new InvalidOperationException($"mcp bench: the {mode} fleet failed (exit {run.ExitCode}):\n{run.Stderr}");
        var traces = Path.Combine(work, $"traces-{mode}-{round}");
        var trace = await ChildMeter.RunAsync("dotnet", [Cli, "trace", "--fleet", "mcp", "--data-dir", data, "--out", traces], cancel);
        if (trace.ExitCode != 0) throw new InvalidOperationException($"mcp bench: trace failed:\n{trace.Stderr}");
        var durations = Directory.GetFiles(traces).Select(CallDurations).ToList();
        if (durations.Any(d => d.Count != Calls)) throw new InvalidOperationException($"mcp bench: a {mode} session did not make {Calls} successful calls");
        var listing = run.Stderr.Split('\n').FirstOrDefault(l => l.StartsWith("mcp ", StringComparison.Ordinal) && l.Contains(" listed in "));
        var later = durations.SelectMany(d => d.Skip(1)).ToList();
        return new Row(mode, round, sessions, Stats.Percentile([.. durations.Select(d => d[0])], 0.5), Stats.Percentile(later, 0.5), Stats.Percentile(later, 0.9),
            run.CpuSeconds * 1000 / (sessions * (Calls + 1)), run.WallSeconds,
            listing is null ? null : double.Parse(listing.Split(" listed in ")[1].Split(' ')[0], CultureInfo.InvariantCulture));
    }

    /// <summary>The durations of a session's successful tool calls, in order.</summary>
    private static List<double> CallDurations(string file) =>
        [.. File.ReadLines(file).Select(l => JsonNode.Parse(l)!)
            .Where(l => (string?)l["type"] == "tool_call_completed" && (bool?)l["data"]!["ok"] == true)
            .Select(l => (double)l["data"]!["duration_ms"]!)];

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll");

    private static string Markdown(IReadOnlyList<Row> rows)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("| tool | round | sessions | first call p50 (ms) | later calls p50 / p90 (ms) | engine CPU/step (ms) | wall (s) | tools listed (ms) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Round} | {r.Sessions} | {r.FirstCallMsP50:0.0} | {r.LaterCallMsP50:0.0} / {r.LaterCallMsP90:0.0} | {r.EngineCpuMsPerStep:0.00} | {r.WallSeconds:0.0} | {r.ListingMs?.ToString("0", CultureInfo.InvariantCulture) ?? ""} |"));
        return text.ToString();
    }


    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var target = Path.Combine(to, Path.GetFileName(entry));
            if (new FileInfo(entry).LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (Directory.Exists(entry)) CopyTree(entry, target);
            else File.Copy(entry, target);
        }
    }
}
