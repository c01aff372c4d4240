using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Bench.Modes;
using ActorRollouts.Bench.RealRepo;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Bench;

/// <summary>What an agent session costs (issue 33): the same work, a command per turn, done by the built-in loop (its
/// <c>bash</c> tool) and by an agent program of its own (tests/agents/python_agent.py, its own shell tool) through the gateway,
/// at 50 and at 200 turns. Reported: journal bytes per turn (the journal must grow linearly: the bench fails if a turn costs
/// half as much again at 200 turns as at 50), against the bytes the agent's requests themselves held (each resends the whole
/// history: that grows with the square); the snapshots kept and the database file, for what they add; and the engine's CPU
/// per turn.</summary>
public static class AgentsBench
{
    public sealed record Row(string Mode, int Sessions, int Turns, double WallSeconds, double CpuMsPerTurn, long EventBytes, double JournalBytesPerTurn,
        double SnapshotBytesPerTurn, double DatabaseBytesPerTurn, double? RequestBytesPerTurn);

    private static readonly int[] Lengths = [50, 200];

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir, CancellationToken cancel)
    {
        var sessions = quick ? 2 : 8;
        var work = Path.Combine(Path.GetTempPath(), "ar-bench-agents", Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var template = Path.Combine(work, "template");
            Directory.CreateDirectory(template);
            File.Copy(Path.Combine(Repo, "tests", "agents", "python_agent.py"), Path.Combine(template, "python_agent.py"));
            var rows = new List<Row>();
            foreach (var turns in Lengths)
                foreach (var mode in new[] { "built-in", "agent" })
                {
                    var row = await RunAsync(mode, turns, sessions, template, work, cancel);
                    Console.Error.WriteLine($"agents: {mode}, {turns} turns: {row.JournalBytesPerTurn:0} journal bytes a turn (+{row.SnapshotBytesPerTurn:0} in snapshots), {row.CpuMsPerTurn:0.00} ms CPU a turn");
                    rows.Add(row);
                }
            Console.WriteLine(Markdown(rows));
            var file = BenchFiles.NewResultsFile(resultsDir, "agents", quick);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, agents = rows },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), cancel);
            Console.WriteLine($"results: {file}");
            var (shortRun, longRun) = (rows.Single(r => r.Mode == "agent" && r.Turns == Lengths[0]), rows.Single(r => r.Mode == "agent" && r.Turns == Lengths[1]));
            var growth = longRun.JournalBytesPerTurn / shortRun.JournalBytesPerTurn;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"\nagent journal: {growth:0.00}× the bytes a turn at {Lengths[1]} turns as at {Lengths[0]} (linear: about 1; resending the history: {longRun.RequestBytesPerTurn / shortRun.RequestBytesPerTurn:0.0})"));
            if (growth <= 1.5) return 0;
            Console.Error.WriteLine($"agents: a turn costs {growth:0.00}× the journal bytes at {Lengths[1]} turns as at {Lengths[0]}: the journal does not grow linearly");
            return 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Repo => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", ".."));

    /// <summary>Every turn runs one command that writes a small file of its own and lists the last few (a file that grew every
    /// turn would be journaled whole each time it changed: its content, not the agent, would grow the journal); then an answer.</summary>
    private static string Script(string tool, int turns) =>
        $$"""{ "scenarios": [ { "turns": [ {{string.Join(", ", Enumerable.Range(1, turns).Select(i =>
            $$"""{ "content": "Step {{i}}.", "tool_calls": [ { "name": "{{tool}}", "arguments": { "command": "echo step {{i}} done > step-{{i}}.txt; ls | tail -3" } } ] }"""))}}, { "content": "Done." } ] } ] }""";

    private static async Task<Row> RunAsync(string mode, int turns, int sessions, string template, string work, CancellationToken cancel)
    {
        var agent = mode == "agent";
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(agent ? "shell" : "bash", turns)), cancellationToken: cancel);
        var data = Path.Combine(work, $"{mode}-{turns}");
        var tasks = Path.Combine(work, $"tasks-{mode}-{turns}.jsonl");
        var task = new JsonObject { ["id"] = "t", ["prompt"] = "log the steps", ["samples"] = sessions, ["workspace"] = template, ["max_turns"] = turns + 1 };
        if (agent) task["agent"] = new JsonObject { ["command"] = new JsonArray("python3", "python_agent.py") };
        else task["tools"] = new JsonArray("bash");
        await File.WriteAllTextAsync(tasks, task.ToJsonString() + "\n", cancel);
        var run = await ChildMeter.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll"), "run", tasks, "--base-url", model.BaseUrl.ToString(),
            "--data-dir", data, "--fleet-id", "agents", "--concurrency", sessions.ToString(CultureInfo.InvariantCulture)], cancel);
        if (run.ExitCode != 0) throw new InvalidOperationException($"agents bench: the {mode} fleet failed (exit {run.ExitCode}):\n{run.Stderr}");
        var steps = sessions * (turns + 1);
        if (model.Requests.Count != steps) throw new InvalidOperationException($"agents bench: {model.Requests.Count} model requests, not {steps}");
        var database = EngineMode.JournalBytes(data);
        var (events, snapshots) = SessionBytes(data);
        return new Row(mode, sessions, turns, run.WallSeconds, run.CpuSeconds * 1000 / steps, events, events / (double)steps, snapshots / (double)steps,
            database / (double)steps, agent ? model.Requests.Sum(r => (long)r.Body.Length) / (double)steps : null);
    }

    /// <summary>The sessions' journaled events (their rows' payloads), and the snapshots kept of them: what the journal holds
    /// for them, without the fleet's own rows or the free pages a database file keeps after old snapshots are deleted.</summary>
    private static (long Events, long Snapshots) SessionBytes(string data)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(data, "journal.db")};Pooling=False");
        connection.Open();
        long Sum(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar() is long n ? n : 0;
        }
        return (Sum("SELECT SUM(LENGTH(message)) FROM journal WHERE persistence_id LIKE 'agents:%'"),
            Sum("SELECT SUM(LENGTH(snapshot)) FROM snapshot WHERE persistence_id LIKE 'agents:%'"));
    }

    private static string Markdown(IReadOnlyList<Row> rows)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("| loop | sessions | turns | journal events bytes / turn | snapshots kept / turn | database file / turn | request bytes / turn (what resending costs) | engine CPU / turn (ms) | wall (s) |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Sessions} | {r.Turns} | {r.JournalBytesPerTurn:0} | {r.SnapshotBytesPerTurn:0} | {r.DatabaseBytesPerTurn:0} | {(r.RequestBytesPerTurn is { } b ? b.ToString("0", CultureInfo.InvariantCulture) : "—")} | {r.CpuMsPerTurn:0.00} | {r.WallSeconds:0.0} |"));
        return text.ToString();
    }
}
