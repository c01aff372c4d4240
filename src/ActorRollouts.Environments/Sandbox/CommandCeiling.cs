using System.Globalization;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>What all the commands of one process may use together, whatever the fleet's concurrency: 256 sessions each
/// allowed 2 GiB would otherwise be allowed half a terabyte. Held by the parent cgroup every command's group sits in, so
/// the host keeps memory and process ids for itself (and for us) when a whole fleet runs away at once. 0 = no ceiling.</summary>
public sealed record CommandCeiling(long MemoryBytes, int Processes)
{
    public static readonly CommandCeiling None = new(0, 0);

    /// <summary>Three quarters of the host's memory and half of its process ids (<c>kernel.pid_max</c>).</summary>
    public static CommandCeiling ForThisHost() => new(HostMemoryBytes() / 4 * 3, PidMax() / 2);

    /// <summary>A share of the host's memory written as <c>75%</c>, in bytes; null when the text is not a percentage.</summary>
    public static long? MemoryShare(string text) =>
        text.TrimEnd() is var t && t.EndsWith('%') && double.TryParse(t[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var share)
            ? (long)(HostMemoryBytes() * Math.Clamp(share, 0, 100) / 100)
            : null;

    public static long HostMemoryBytes()
    {
        var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        return line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : 0;
    }

    public static int PidMax() =>
        int.TryParse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), CultureInfo.InvariantCulture, out var max) ? max : 32768;
}
