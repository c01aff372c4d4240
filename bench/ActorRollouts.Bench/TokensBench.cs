using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Bench.Modes;
using ActorRollouts.Bench.RealRepo;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Bench;

/// <summary>What recording tokens costs (issue 29): the same fleet run by the real CLI with <c>--tokens off</c>,
/// <c>capture</c> and <c>exact</c> against one scripted vLLM-shaped server, each in a process of its own. Reported: the
/// journal's bytes (database after a checkpoint, plus <c>blobs/</c>) beyond <c>off</c> per recorded token and per generated
/// token, against the budget of 8 bytes a token plus a fixed cost per turn; and each mode's CPU per step and per session.
/// The workload is an agent's: every turn writes a paragraph and reads a 2 KB file (a tool result of ~1,000 tokens), and
/// one turn writes a 24 KB file (a completion of ~12,000 tokens, which goes to blobs/).</summary>
public static class TokensBench
{
    public sealed record Row(string Mode, int Sessions, int Steps, double WallSeconds, double CpuSeconds, long JournalBytes, long BlobBytes,
        long RecordedTokens, long GeneratedTokens, double? BytesPerToken, double? BytesPerGeneratedToken, double CpuMsPerStep, double CpuMsPerSession);

    private const int Turns = 8;
    private const double Budget = 8.0;

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir, CancellationToken cancel)
    {
        var sessions = quick ? 8 : 100;
        var work = Path.Combine(Path.GetTempPath(), "ar-bench-tokens", Guid.NewGuid().ToString("n")[..8]);
        Directory.CreateDirectory(work);
        try
        {
            var tasks = Tasks(work, sessions);
            await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(sessions)), keepRequests: false, cancellationToken: cancel);
            var rows = new List<Row>();
            Row? off = null;
            foreach (var mode in new[] { "off", "capture", "exact" })
            {
                var row = await RunAsync(mode, tasks, work, server.BaseUrl, sessions, off, cancel);
                if (row is null) return 1;
                off ??= row;
                rows.Add(row);
                Console.Error.WriteLine($"tokens: {mode}: {row.Steps} steps in {row.WallSeconds:0.0} s, journal {row.JournalBytes / 1e6:0.00} MB + blobs {row.BlobBytes / 1e6:0.00} MB");
            }
            Console.WriteLine(Markdown(rows));
            var file = BenchFiles.NewResultsFile(resultsDir, "tokens", quick);
            await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, turns = Turns, budget_bytes_per_token = Budget, tokens = rows },
                new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }), cancel);
            Console.WriteLine($"results: {file}");
            var over = rows.Where(r => r.BytesPerToken > Budget).ToList();
            foreach (var r in over) Console.Error.WriteLine($"tokens: {r.Mode} costs {r.BytesPerToken:0.00} bytes a token, over the budget of {Budget}");
            return over.Count == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<Row?> RunAsync(string mode, string tasks, string work, Uri baseUrl, int sessions, Row? off, CancellationToken cancel)
    {
        var data = Path.Combine(work, mode);
        var cli = Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll");
        var run = await ChildMeter.RunAsync("dotnet", [cli, "run", tasks, "--base-url", baseUrl.ToString(), "--data-dir", data, "--fleet-id", "tok",
            "--tokens", mode, "--concurrency", "16", "--sandbox", "none"], cancel);
        if (run.ExitCode != 0)
        {
            Console.Error.WriteLine($"tokens: the {mode} fleet failed (exit {run.ExitCode}):\n{run.Stderr}");
            return null;
        }
        var journal = EngineMode.JournalBytes(data);
        var blobs = Directory.Exists(Path.Combine(data, "blobs"))
            ? Directory.EnumerateFiles(Path.Combine(data, "blobs"), "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length)
            : 0;
        var (recorded, generated) = mode == "off" ? (0L, 0L) : await TokenCountsAsync(cli, data, cancel);
        var steps = sessions * (Turns + 1);
        double? PerToken(long tokens) => off is null || tokens == 0 ? null : (journal + blobs - off.JournalBytes - off.BlobBytes) / (double)tokens;
        return new Row(mode, sessions, steps, run.WallSeconds, run.CpuSeconds, journal, blobs, recorded, generated, PerToken(recorded), PerToken(generated),
            run.CpuSeconds * 1000 / steps, run.CpuSeconds * 1000 / sessions);
    }

    /// <summary>Tokens the journal holds: every sample's prompt and response (one sample a session: nothing is counted twice).</summary>
    private static async Task<(long Recorded, long Generated)> TokenCountsAsync(string cli, string data, CancellationToken cancel)
    {
        var export = await ChildMeter.RunAsync("dotnet", [cli, "export", "--fleet", "tok", "--format", "tokens", "--data-dir", data], cancel);
        var (recorded, generated) = (0L, 0L);
        foreach (var line in export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!))
        {
            var mask = line["response_mask"]!.AsArray();
            recorded += line["prompt_ids"]!.AsArray().Count + mask.Count;
            generated += mask.Count(m => (int)m! == 1);
        }
        return (recorded, generated);
    }

    private static string Tasks(string work, int sessions)
    {
        var template = Path.Combine(work, "template");
        Directory.CreateDirectory(template);
        File.WriteAllText(Path.Combine(template, "notes.txt"),
            string.Concat(Enumerable.Range(1, 40).Select(i => $"note {i:00}: the session actor journals every step it takes\n")));
        var tasks = Path.Combine(work, "tasks.jsonl");
        File.WriteAllLines(tasks, Enumerable.Range(0, sessions).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"tokens bench {{i}}: keep the notes","workspace":"{{template}}","tools":["read_file","write_file"]}"""));
        return tasks;
    }

    /// <summary>Each turn: a paragraph of reasoning in words and a read of notes.txt; turn 4 writes a 24 KB file instead.
    /// A scenario of its own per session, so each session's logprobs differ (as sampled answers do) and no two sessions'
    /// token blobs are the same content, which blobs/ would store once.</summary>
    private static string Script(int sessions)
    {
        var paragraph = string.Join(' ', Enumerable.Range(0, 40).Select(i => $"step-word{i % 7}"));
        var turns = new JsonArray();
        for (var i = 0; i < Turns; i++)
        {
            var call = i == 3
                ? new JsonObject { ["name"] = "write_file", ["arguments"] = new JsonObject { ["path"] = "big.txt", ["content"] = new string('x', 24 * 1024) } }
                : new JsonObject { ["name"] = "read_file", ["arguments"] = new JsonObject { ["path"] = "notes.txt" } };
            turns.Add(new JsonObject { ["content"] = $"Turn {i + 1}. {paragraph}", ["tool_calls"] = new JsonArray(call) });
        }
        turns.Add(new JsonObject { ["content"] = "The notes are up to date." });
        var scenarios = Enumerable.Range(0, sessions).Select(i => (JsonNode)new JsonObject { ["match"] = $"tokens bench {i}:", ["turns"] = turns.DeepClone() });
        return new JsonObject { ["scenarios"] = new JsonArray([.. scenarios]) }.ToJsonString();
    }

    public static string Markdown(IReadOnlyList<Row> rows) =>
        "| --tokens | sessions | steps | journal + blobs | tokens recorded (generated) | bytes a token beyond off (a generated token) | CPU per step | CPU per session | wall |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" +
        string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture,
            $"| {r.Mode} | {r.Sessions} | {r.Steps} | {r.JournalBytes / 1e6:0.00} + {r.BlobBytes / 1e6:0.00} MB | {r.RecordedTokens:N0} ({r.GeneratedTokens:N0}) | " +
            $"{(r.BytesPerToken is { } b ? b.ToString("0.00", CultureInfo.InvariantCulture) : "—")} ({(r.BytesPerGeneratedToken is { } g ? g.ToString("0.00", CultureInfo.InvariantCulture) : "—")}) | " +
            $"{r.CpuMsPerStep:0.00} ms | {r.CpuMsPerSession:0} ms | {r.WallSeconds:0.0} s |\n")));
}
