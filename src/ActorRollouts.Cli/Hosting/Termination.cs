using System.Runtime.InteropServices;
using ActorRollouts.Environments.Sandbox;

namespace ActorRollouts.Cli.Hosting;

/// <summary>SIGINT and SIGTERM stop the process, whatever a tool is doing. The first one cancels the command's token:
/// a fleet stops its sessions (every step so far is journaled; their commands are killed) and exits 130 (SIGINT) or 143
/// (SIGTERM). If that has not finished within <see cref="StopGrace"/>, or a second signal comes, the process exits at once
/// with the same code, after killing the commands it started; resume continues from the journal either way.</summary>
public static class Termination
{
    /// <summary>Below the 10 s a supervisor (systemd, a CI runner, a test) typically waits before SIGKILL.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(8);

    private static readonly CancellationTokenSource Cancellation = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static Timer? _deadline;
    private static int _signal;

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    public static CancellationToken Token => Cancellation.Token;

    /// <summary>What an interrupted command exits with: 128 + the signal's number.</summary>
    public static int ExitCode => Volatile.Read(ref _signal) == 15 ? 143 : 130;

    private static string SignalName => ExitCode == 143 ? "SIGTERM" : "SIGINT";

    public static void Install()
    {
        // A shell starts a background job (`cmd &` in a script) with SIGINT ignored, and .NET then leaves it ignored:
        // `kill -INT` would do nothing. Whoever sends us SIGINT means it, so it is restored before we take it.
        ResetToDefault(SigInt);
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
        Registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
    }

    private static void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // we stop ourselves, in order
        var number = context.Signal == PosixSignal.SIGTERM ? 15 : 2;
        if (Interlocked.CompareExchange(ref _signal, number, 0) != 0)
        {
            ExitNow("a second signal came");
            return;
        }
        _deadline = new Timer(_ => ExitNow($"it did not stop within {StopGrace.TotalSeconds:0} s"), null, StopGrace, Timeout.InfiniteTimeSpan);
        ThreadPool.QueueUserWorkItem(_ => Cancellation.Cancel()); // continuations run off the signal thread
    }

    /// <summary>Kills the commands this process started (bubblewrap ones die with us anyway; <c>--sandbox none</c> ones
    /// would not) and exits without running shutdown hooks that might be what is stuck.</summary>
    private static void ExitNow(string why)
    {
        try
        {
            Console.Error.WriteLine($"\n{SignalName}: {why}; exiting now. Everything journaled so far is kept: resume continues from there.");
            CommandCgroups.KillAllCommands();
        }
        finally
        {
            Exit(ExitCode);
        }
    }

    private const int SigInt = 2;

    [DllImport("libc", EntryPoint = "signal")]
    private static extern IntPtr ResetToDefault(int signal, IntPtr handler = 0);

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void Exit(int status);
}
