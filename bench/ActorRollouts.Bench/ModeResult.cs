namespace ActorRollouts.Bench;

/// <summary>What one mode measured on one workload. Step times are gaps between a session's model calls (see
/// <see cref="StepClock"/>); journal figures and recovery only for the engine modes.</summary>
public sealed record ModeResult(
    string Mode,
    string Workload,
    int Sessions,
    int SessionsCompleted,
    long ModelCalls,
    double WallSeconds,
    double StepsPerSecond,
    double StepP50Ms,
    double StepP99Ms,
    double PeakRssMb,
    double CpuMsPerStep,
    long? JournalEvents = null,
    double? JournalEventsPerSecond = null,
    double? RecoverySeconds = null,
    double? JournalBytesPerStep = null,
    double? AllocatedKbPerStep = null,
    int? Gen2Collections = null,
    double? GcPauseMsPerStep = null,
    double? StepsInFlight = null);

/// <summary>Figures the process reads off itself.</summary>
public static class ProcessFigures
{
    /// <summary>This process's CPU time (user and system) per model call, in ms: what one step costs the machine,
    /// whatever else runs on it.</summary>
    public static double CpuMsPerStep(long steps) =>
        steps == 0 ? 0 : System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds / steps;

    /// <summary>Managed memory this process allocated per model call, in KB (every thread's, precise): what the
    /// garbage collector has to clear after each step. Null for modes that do not run on .NET.</summary>
    public static double AllocatedKbPerStep(long steps) => steps == 0 ? 0 : GC.GetTotalAllocatedBytes(precise: true) / 1024.0 / steps;

    /// <summary>Full (generation 2) collections so far in this process: each one walks the whole heap.</summary>
    public static int Gen2Collections() => GC.CollectionCount(2);

    /// <summary>Time this process's threads stood paused for garbage collections, per model call, in ms.</summary>
    public static double GcPauseMsPerStep(long steps) => steps == 0 ? 0 : GC.GetTotalPauseDuration().TotalMilliseconds / steps;

    /// <summary>Peak resident set size (VmHWM) of this process in MB. Each mode runs in its own process, so this is the
    /// mode's own peak, FakeLlm not included.</summary>
    public static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
}
