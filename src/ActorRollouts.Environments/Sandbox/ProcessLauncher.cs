using System.Collections.Concurrent;
using System.Diagnostics;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>Starts child processes from one dedicated thread that lives as long as the process. bubblewrap's
/// <c>--die-with-parent</c> (PR_SET_PDEATHSIG) fires when the *thread* that forked it ends, and thread-pool threads come
/// and go: a sandbox started from one would be killed at random. From this thread, it dies only with us.</summary>
internal static class ProcessLauncher
{
    private static readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Started)> Requests = new();

    static ProcessLauncher()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "sandbox-launcher" };
        thread.Start();
    }

    public static Task<Process> StartAsync(ProcessStartInfo start)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Requests.Add((start, started));
        return started.Task;
    }

    private static void Run()
    {
        foreach (var (start, started) in Requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}"));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
