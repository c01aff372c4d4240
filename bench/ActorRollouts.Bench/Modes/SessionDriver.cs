using System.Diagnostics;

namespace ActorRollouts.Bench.Modes;

/// <summary>How the modes without a supervisor run a workload: every session as an async function, at most
/// <see cref="Workload.Concurrency"/> at once, with progress on stderr, measured the same way for all of them.</summary>
public static class SessionDriver
{
    public static async Task<ModeResult> RunAsync(string mode, Workload workload, StepClock clock,
        Func<int, CancellationToken, Task> session, CancellationToken cancel)
    {
        var completed = 0;
        using var progress = Progress.Every(TimeSpan.FromSeconds(5), () => $"{mode}: {clock.Calls:N0}/{workload.Steps:N0} model calls");
        var wall = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, workload.Sessions),
            new ParallelOptions { MaxDegreeOfParallelism = workload.Concurrency, CancellationToken = cancel },
            async (i, ct) =>
            {
                await session(i, ct);
                Interlocked.Increment(ref completed);
            });
        wall.Stop();
        var (p50, p99) = clock.Percentiles();
        return new ModeResult(mode, workload.Name, workload.Sessions, completed, clock.Calls, wall.Elapsed.TotalSeconds,
            clock.Calls / wall.Elapsed.TotalSeconds, p50, p99, ProcessFigures.PeakRssMb(), ProcessFigures.CpuMsPerStep(clock.Calls),
            AllocatedKbPerStep: ProcessFigures.AllocatedKbPerStep(clock.Calls), Gen2Collections: ProcessFigures.Gen2Collections(),
            GcPauseMsPerStep: ProcessFigures.GcPauseMsPerStep(clock.Calls), StepsInFlight: clock.MeanStepsInFlight(wall.Elapsed));
    }
}
