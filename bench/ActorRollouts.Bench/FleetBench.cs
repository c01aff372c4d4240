using ActorRollouts.Bench.Modes;

namespace ActorRollouts.Bench;

/// <summary>The fleet benchmark: for each workload, one FakeLlm process, then every mode in turn (each in its own
/// process) against it; a markdown table per workload, the targets, and a results file.</summary>
public static class FleetBench
{
    public static async Task<int> RunAsync(bool quick, IReadOnlyList<string> modes, string resultsDir, TimeSpan settle, CancellationToken cancel)
    {
        var workloads = quick ? Workload.Quick : Workload.Full;
        var root = Path.Combine(Path.GetTempPath(), "ar-bench", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"));
        var all = new List<ModeResult>();
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
                var results = new List<ModeResult>();
                foreach (var mode in modes)
                {
                    Console.Error.WriteLine($"bench: {workload.Name}: {mode} …");
                    var result = await ModeProcess.RunAsync(mode, workload, server.BaseUrl, Path.Combine(root, workload.Name, mode), cancel);
                    if (!(result.StepsPerSecond > 0) || !(result.StepP50Ms > 0))
                        throw new InvalidOperationException($"{mode} on {workload.Name} reported no figures: {result}");
                    Console.Error.WriteLine($"bench: {workload.Name}: {mode}: {result.StepsPerSecond:N0} steps/s in {result.WallSeconds:0.0} s");
                    results.Add(result);
                }
                all.AddRange(results);
                Console.WriteLine(Report.Markdown(workload, results));
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }

        var targets = Report.Targets(all);
        Console.WriteLine(Report.Markdown(targets));
        var file = BenchFiles.NewResultsFile(resultsDir, null, quick);
        await File.WriteAllTextAsync(file, Report.Json(quick, workloads, all, targets), cancel);
        Console.WriteLine($"results: {Path.GetFullPath(file)}");
        return 0;
    }

    public static IReadOnlyList<string> ModeNames => AllModes.InOrder.Select(m => m.Name).ToList();
}
