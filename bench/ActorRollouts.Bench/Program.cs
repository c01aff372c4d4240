using ActorRollouts.Bench;

// actor-rollouts benchmarks. Today: `recovery` (issue 5: recovery time by session length, with and without snapshots).
// The fleet throughput modes (engine vs bare loop vs peer framework) come with issue 6.
var quick = args.Contains("--quick");
var lengths = quick ? new[] { 200, 2_000 } : new[] { 200, 2_000, 20_000 };
var rows = await RecoveryBench.RunAsync(lengths, repeat: quick ? 3 : 7);
Console.WriteLine(RecoveryBench.Markdown(rows));
var results = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "results");
Directory.CreateDirectory(results);
var file = Path.GetFullPath(Path.Combine(results, $"{DateTime.UtcNow:yyyy-MM-dd}-{Environment.MachineName}-recovery{(quick ? "-quick" : "")}.json"));
await File.WriteAllTextAsync(file, RecoveryBench.Json(rows));
Console.WriteLine($"results: {file}");
