using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Bench;

/// <summary>Mounting a fleet's workspaces, alone: N overlays over one template, all requested at once from a fresh mount
/// helper, as a fleet opens them. Once with the layout a fleet uses (each session's upper and work folders side by side,
/// which the helper names through detached copies of their folders), once with each work folder elsewhere, which makes
/// the helper name the layers by their plain paths (how every mount was made before): the kernel then checks every
/// earlier mount for each new one. Reports wall time and the helper's CPU (nearly all of it the kernel's).</summary>
public static class MountBench
{
    public sealed record Row(string Layers, int Mounts, double WallSeconds, double HelperCpuSeconds);

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir)
    {
        var count = quick ? 300 : 5_000;
        var rows = new List<Row>();
        foreach (var round in Enumerable.Range(0, quick ? 1 : 2))
        foreach (var detached in new[] { true, false })
        {
            var row = await MountAllAsync(count, detached);
            Console.Error.WriteLine($"mounts: {row.Mounts:N0} with {row.Layers} layers: {row.WallSeconds:0.00} s, helper CPU {row.HelperCpuSeconds:0.00} s");
            rows.Add(row);
        }
        Console.WriteLine("| layers named | mounts | wall (s) | helper CPU (s) |\n|---|---:|---:|---:|");
        foreach (var row in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {row.Layers} | {row.Mounts:N0} | {row.WallSeconds:0.00} | {row.HelperCpuSeconds:0.00} |"));
        var file = BenchFiles.NewResultsFile(resultsDir, "mounts", quick);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, mounts = rows },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.WriteLine($"results: {file}");
        return 0;
    }

    private static async Task<Row> MountAllAsync(int count, bool detached)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "ar-bench-mounts", Guid.NewGuid().ToString("n")[..12])).FullName;
        var lower = Directory.CreateDirectory(Path.Combine(folder, "template")).FullName;
        await File.WriteAllTextAsync(Path.Combine(lower, "file.txt"), "template\n");
        var sessions = Enumerable.Range(0, count).Select(i =>
        {
            var session = Path.Combine(folder, "workspaces", $"s{i}");
            var work = detached ? Path.Combine(session, "work") : Path.Combine(folder, "work-elsewhere", $"s{i}");
            foreach (var sub in (string[])[Path.Combine(session, "upper"), Path.Combine(session, "merged"), work]) Directory.CreateDirectory(sub);
            return (Upper: Path.Combine(session, "upper"), Work: work, Merged: Path.Combine(session, "merged"));
        }).ToList();
        var ns = MountNamespace.Start();
        try
        {
            var clock = Stopwatch.StartNew();
            var mounts = await Task.WhenAll(sessions.Select(s => OverlayMount.StartAsync(lower, s.Upper, s.Work, s.Merged, ns)));
            var wall = clock.Elapsed.TotalSeconds;
            var cpu = ProcessCpu.Seconds(ns.Pid);
            if (!File.Exists(Path.Combine(mounts[^1].Root, "file.txt"))) throw new InvalidOperationException("the last workspace does not show its template");
            return new Row(detached ? "detached" : "plain", count, wall, cpu);
        }
        finally
        {
            ns.Dispose();
            Directory.Delete(folder, recursive: true);
        }
    }
}
