using System.Collections.Immutable;
using System.Text.Json;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>What one command (a <c>bash</c> call or a grader) may use. Memory and processes are held by a cgroup of its
/// own where the machine has the cgroup v1 <c>memory</c> and <c>pids</c> controllers (RLIMIT_NPROC does not bind root, so a
/// fork bomb run as root is only stopped by a cgroup); CPU time, file size and open files by rlimits. 0 = unlimited.</summary>
public sealed record CommandLimits(long MemoryBytes, int Processes, int CpuSeconds, long FileBytes, int OpenFiles)
{
    /// <summary>Room for a test suite or a build, not for a runaway: HOCON <c>actor-rollouts.environment.limits</c>.</summary>
    public static readonly CommandLimits Default = new(MemoryBytes: 2L << 30, Processes: 512, CpuSeconds: 600, FileBytes: 1L << 30, OpenFiles: 1024);

    public static readonly CommandLimits None = new(0, 0, 0, 0, 0);

    /// <summary>util-linux <c>prlimit</c> options that set the rlimits (soft and hard) before the command starts.</summary>
    public IEnumerable<string> PrlimitOptions()
    {
        static string Value(long limit) => limit > 0 ? limit.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unlimited";
        yield return $"--cpu={Value(CpuSeconds)}";
        yield return $"--fsize={Value(FileBytes)}";
        yield return $"--nofile={Value(OpenFiles)}";
        yield return $"--nproc={Value(Processes)}"; // binds only a non-root user; the cgroup binds everyone
    }

    /// <summary>The limits as a tool result reports them (<c>data.limits</c>), with what enforced them.</summary>
    public ImmutableSortedDictionary<string, JsonElement> Report(string enforcedBy) =>
        new Dictionary<string, object>
        {
            ["memory_bytes"] = MemoryBytes, ["processes"] = Processes, ["cpu_seconds"] = CpuSeconds,
            ["file_bytes"] = FileBytes, ["open_files"] = OpenFiles, ["enforced_by"] = enforcedBy,
        }.ToImmutableSortedDictionary(e => e.Key, e => JsonSerializer.SerializeToElement(e.Value), StringComparer.Ordinal);
}

/// <summary>Which limit a command ran into.</summary>
public static class LimitKinds
{
    public const string Memory = "memory";
    public const string Processes = "processes";
    public const string CpuTime = "cpu_time";
    public const string FileSize = "file_size";

    public static string Describe(string kind, CommandLimits limits) => kind switch
    {
        Memory => $"its memory limit ({Bytes(limits.MemoryBytes)}); the kernel killed the process that went over",
        Processes => $"its process limit ({limits.Processes} processes); further forks failed",
        CpuTime => $"its CPU time limit ({limits.CpuSeconds} s) and was killed",
        FileSize => $"its file size limit ({Bytes(limits.FileBytes)} per file) and was killed",
        _ => kind,
    };

    public static string Bytes(long bytes) => bytes switch
    {
        <= 0 => "unlimited",
        _ when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        _ when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        _ => $"{bytes} bytes",
    };
}
