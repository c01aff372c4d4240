using ActorRollouts.Bench.Modes;

namespace ActorRollouts.Bench;

/// <summary>The fleet benchmark: for each workload, one FakeLlm process, then every mode in turn (each in its own
/// process) against it, <c>rounds</c> times over (see <see cref="Rounds"/>); a markdown table per workload, the
/// targets, and a results file.</summary>
public static class FleetBench
{
    public static async Task<int> RunAsync(bool quick, IReadOnlyList<string> modes, string resultsDir, TimeSpan settle, int rounds, CancellationToken cancel)
    {
        var workloads = quick ? Workload.Quick : Workload.Full;
        var root = Path.Combine(Path.GetTempPath(), "ar-bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"));
        var all = new List<ModeResult>();
        var everyRound = new List<RoundResult>();
        await QuietFileSystem.WaitAsync(settle, cancel);
        try
        {
            foreach (var workload in workloads)
            {
                Console.Error.WriteLine($"bench: {workload}");
                var script = Path.Combine(root, workload.Name, "fake-llm.json");
                Directory.CreateDirectory(Path.GetDirectoryName(script)!);
                await File.WriteAllTextAsync(script, BenchFiles.Script(workload), cancel);
                await using var server = await FakeLlmProcess.StartAsync(script, cancel);
                await WarmUpAsync(server.BaseUrl, workload, cancel);
                var runs = new List<RoundResult>();
                for (var round = 1; round <= rounds; round++)
                    foreach (var mode in modes)
                    {
                        var name = rounds == 1 ? mode : $"{mode} (round {round} of {rounds})";
                        Console.Error.WriteLine($"bench: {workload.Name}: {name} …");
                        var workDir = Path.Combine(root, workload.Name, rounds == 1 ? mode : $"{mode}-round{round}");
                        var result = await ModeProcess.RunAsync(mode, workload, server.BaseUrl, workDir, cancel);
                        if (!(result.StepsPerSecond > 0) || !(result.StepP50Ms > 0))
                            throw new InvalidOperationException($"{mode} on {workload.Name} reported no figures: {result}");
                        Console.Error.WriteLine($"bench: {workload.Name}: {name}: {result.StepsPerSecond:N0} steps/s in {result.WallSeconds:0.0} s");
                        runs.Add(new RoundResult(round, result));
                    }
                var results = Rounds.Medians(runs);
                all.AddRange(results);
                everyRound.AddRange(runs);
                Console.WriteLine(Report.Markdown(workload, results));
                if (rounds > 1) Console.WriteLine(Rounds.RatiosByRound(runs));
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }

        var targets = Report.Targets(all);
        Console.WriteLine(Report.Markdown(targets));
        var file = BenchFiles.NewResultsFile(resultsDir, null, quick);
        await File.WriteAllTextAsync(file, Report.Json(quick, workloads, all, targets, rounds > 1 ? everyRound : null), cancel);
        Console.WriteLine($"results: {Path.GetFullPath(file)}");
        return 0;
    }

    /// <summary>FakeLlm is one process for every mode of a workload, and a fresh one compiles its hot paths while it
    /// answers its first few thousand requests: without a warm-up the first mode ran against a slower server (in three
    /// interleaved rounds the bare loop's first round at latency 0 was 15-22% slower than its next two, the engine's 2-7%).
    /// So before the first mode, the same requests as <c>server-ceiling</c>'s for up to 1,000 sessions, from this
    /// process, not measured.</summary>
    private static async Task WarmUpAsync(Uri baseUrl, Workload workload, CancellationToken cancel)
    {
        var warmUp = workload with { Sessions = Math.Min(workload.Sessions, 1_000) };
        Console.Error.WriteLine($"bench: {workload.Name}: warming FakeLlm up ({warmUp.Steps:N0} requests, not measured) …");
        await new ServerCeilingMode().RunAsync(warmUp, baseUrl, "", cancel);
    }

    public static IReadOnlyList<string> ModeNames => AllModes.InOrder.Select(m => m.Name).ToList();
}
