using System.Diagnostics;

namespace ActorRollouts.Bench.RealRepo;

/// <summary>Runs a command to its end and reads its peak resident set (VmHWM) and CPU time (utime + stime) off /proc
/// while it runs: the figures of that process alone (the commands it starts are not counted).</summary>
public static class ChildMeter
{
    public sealed record Measured(int ExitCode, double WallSeconds, double PeakRssMb, double CpuSeconds, string Stdout, string Stderr);

    public static async Task<Measured> RunAsync(string program, IEnumerable<string> args, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["OPENAI_API_KEY"] = "scripted-model-takes-any-key"; // `run --base-url` wants one; only the scripted model on 127.0.0.1 sees it
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancel);
        var stderr = process.StandardError.ReadToEndAsync(cancel);
        var (peakKb, cpuTicks) = (0L, 0L);
        while (!process.HasExited)
        {
            try
            {
                var hwm = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (hwm is not null) peakKb = Math.Max(peakKb, long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]));
                // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
                var stat = File.ReadAllText($"/proc/{process.Id}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                cpuTicks = long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
            {
                // it ended between two reads
            }
            await Task.WhenAny(process.WaitForExitAsync(cancel), Task.Delay(50, cancel));
        }
        await process.WaitForExitAsync(cancel);
        return new Measured(process.ExitCode, clock.Elapsed.TotalSeconds, peakKb / 1024.0, cpuTicks / 100.0, await stdout, await stderr);
    }

    /// <summary>Disk a folder takes (allocated blocks, as <c>du</c> counts them).</summary>
    public static long DiskBytes(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path)) return 0;
        var start = new ProcessStartInfo("du", ["-s", "-B1", path]) { RedirectStandardOutput = true, UseShellExecute = false };
        using var du = Process.Start(start)!;
        var output = du.StandardOutput.ReadToEnd();
        du.WaitForExit();
        return long.Parse(output.Split('\t')[0]);
    }
}
