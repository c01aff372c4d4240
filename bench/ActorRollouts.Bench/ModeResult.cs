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
    double? JournalBytesPerStep = null);

/// <summary>Figures the process reads off itself.</summary>
public static class ProcessFigures
{
    /// <summary>This process's CPU time (user and system) per model call, in ms: what one step costs the machine,
    /// whatever else runs on it.</summary>
    public static double CpuMsPerStep(long steps) =>
        steps == 0 ? 0 : System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds / steps;

    /// <summary>Peak resident set size (VmHWM) of this process in MB. Each mode runs in its own process, so this is the
    /// mode's own peak, FakeLlm not included.</summary>
    public static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }
}
