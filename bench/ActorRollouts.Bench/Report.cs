using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorRollouts.Bench;

/// <summary>A target of issue 6, checked against one run's figures.</summary>
public sealed record TargetCheck(string Target, string Measured, bool Met);

/// <summary>The markdown table on stdout and the results file.</summary>
public static class Report
{
    public static string Markdown(Workload workload, IReadOnlyList<ModeResult> results)
    {
        var bare = results.FirstOrDefault(r => r.Mode == "bare-loop");
        var text = new StringBuilder($"### {workload}\n\n")
            .Append("| mode | steps/s | × bare-loop | step p50 (ms) | step p99 (ms) | added p50 / p99 (ms) | steps in flight | CPU/step (ms) | allocated/step (KB) | GC pause/step (ms) | gen-2 GCs | peak RSS (MB) | journal rows/s | journal bytes/step | recovery (s) |\n")
            .Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in results)
        {
            var ratio = bare is null ? "" : $"{r.StepsPerSecond / bare.StepsPerSecond:0.00}×";
            var added = bare is null || r.Mode is "bare-loop" or "server-ceiling" ? "" : $"{r.StepP50Ms - bare.StepP50Ms:+0.0;-0.0} / {r.StepP99Ms - bare.StepP99Ms:+0.0;-0.0}";
            text.Append(CultureInfo.InvariantCulture, $"| {r.Mode} | {r.StepsPerSecond:N0} | {ratio} | {r.StepP50Ms:0.0} | {r.StepP99Ms:0.0} | {added} | {r.StepsInFlight:N0} | {r.CpuMsPerStep:0.00} | {r.AllocatedKbPerStep:0.0} | {r.GcPauseMsPerStep:0.00} | {r.Gen2Collections} | {r.PeakRssMb:N0} | ")
                .Append(CultureInfo.InvariantCulture, $"{(r.JournalEventsPerSecond is { } e ? e.ToString("N0", CultureInfo.InvariantCulture) : "")} | {(r.JournalBytesPerStep is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "")} | {(r.RecoverySeconds is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "")} |\n");
        }
        return text.ToString();
    }

    /// <summary>Issue 11's targets (they replace issue 6's), on the workloads named <c>latency-0</c> and
    /// <c>latency-200</c>; a target whose modes did not run is left out.</summary>
    public static IReadOnlyList<TargetCheck> Targets(IReadOnlyList<ModeResult> all)
    {
        ModeResult? Find(string workload, string mode) => all.FirstOrDefault(r => r.Workload == workload && r.Mode == mode);
        var checks = new List<TargetCheck>();
        void Ratio(string workload, string over, double atLeast)
        {
            if (Find(workload, "engine-sqlite") is not { } engine || Find(workload, over) is not { } other) return;
            var ratio = engine.StepsPerSecond / other.StepsPerSecond;
            checks.Add(new($"{workload}: engine-sqlite ≥ {atLeast:0.##}× {over} steps/s", $"{ratio:0.00}×", ratio >= atLeast));
        }
        Ratio("latency-0", "bare-loop", 0.8);
        Ratio("latency-0", "agent-framework", 1.2);
        if (Find("latency-0", "engine-sqlite") is { } engine && Find("latency-0", "bare-loop") is { } bare)
        {
            var cpu = engine.CpuMsPerStep / bare.CpuMsPerStep;
            checks.Add(new("latency-0: engine-sqlite CPU per step ≤ 1.25× bare-loop's", $"{cpu:0.00}×", cpu <= 1.25));
        }
        Ratio("latency-200", "bare-loop", 0.8);
        foreach (var workload in new[] { "latency-0", "latency-200" })
        {
            Ratio(workload, "langgraph-js-sqlite", 4);
            Ratio(workload, "node-bare", 2);
            if (Find(workload, "engine-sqlite")?.JournalBytesPerStep is { } ours && Find(workload, "langgraph-js-sqlite")?.JournalBytesPerStep is { } theirs)
                checks.Add(new($"{workload}: engine-sqlite journal bytes/step ≤ ⅓ of langgraph-js-sqlite's", $"{ours / theirs:0.00}×", ours <= theirs / 3));
        }
        if (Find("latency-200", "engine-sqlite") is { } rss)
            checks.Add(new("latency-200: engine-sqlite peak RSS ≤ 1.5 GB", $"{rss.PeakRssMb:N0} MB", rss.PeakRssMb <= 1536));
        if (Find("latency-200", "engine-sqlite")?.RecoverySeconds is { } recovery)
            checks.Add(new("latency-200: recovery of every session from the journal ≤ 15 s", $"{recovery:0.00} s", recovery <= 15));
        return checks;
    }

    public static string Markdown(IReadOnlyList<TargetCheck> checks) =>
        "| target | measured | met |\n|---|---:|:---:|\n" + string.Concat(checks.Select(c => $"| {c.Target} | {c.Measured} | {(c.Met ? "yes" : "**no**")} |\n"));

    /// <summary>The results file. With several rounds, <c>results</c> holds each mode's median round (as the tables do)
    /// and <c>rounds</c> every round's figures.</summary>
    public static string Json(bool quick, IReadOnlyList<Workload> workloads, IReadOnlyList<ModeResult> results, IReadOnlyList<TargetCheck> targets,
        IReadOnlyList<RoundResult>? rounds = null)
    {
        var file = new Dictionary<string, object?>
        {
            ["date"] = DateTimeOffset.UtcNow,
            ["quick"] = quick,
            ["machine"] = new
            {
                name = Environment.MachineName,
                cpus = Environment.ProcessorCount,
                dotnet = Environment.Version.ToString(),
                os = Environment.OSVersion.ToString(),
                memory_gb = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1),
            },
            ["workloads"] = workloads,
            ["results"] = results,
            ["targets"] = targets,
        };
        if (rounds is not null) file["rounds"] = rounds;
        return JsonSerializer.Serialize(file, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
    }
}
