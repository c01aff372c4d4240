using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>cgroup v1 groups that hold commands: one parent per process under our own cgroup (so the host's limits on
/// us still apply to them), one child per command. The <c>pids</c> group stops a
/// fork bomb whatever the user (RLIMIT_NPROC does not bind root); the <c>memory</c> group has the kernel kill a process
/// that goes over, inside the group only. Killing every process of a group ends everything a command started, even what
/// left its process tree (<c>setsid</c>, double forks).</summary>
public sealed class CommandCgroups
{
    private static readonly Lazy<CommandCgroups> Shared = new(() => Open(Environment.ProcessId));
    private readonly string? _pidsParent;
    private readonly string? _memoryParent;
    private int _next;

    private CommandCgroups(string? pidsParent, string? memoryParent, string? unavailable)
    {
        _pidsParent = pidsParent;
        _memoryParent = memoryParent;
        Unavailable = unavailable;
    }

    /// <summary>This process's groups, made on first use and removed when it exits.</summary>
    public static CommandCgroups Instance => Shared.Value;

    /// <summary>Why commands run without cgroups (rlimits only), or null when they have them.</summary>
    public string? Unavailable { get; }

    public bool Available => Unavailable is null;

    /// <summary>Kills every command this process started (for an exit that cannot wait for each to be cancelled). Does
    /// nothing if no command ever ran.</summary>
    public static void KillAllCommands()
    {
        if (!Shared.IsValueCreated || !Shared.Value.Available) return;
        foreach (var parent in new[] { Shared.Value._pidsParent!, Shared.Value._memoryParent! })
            foreach (var child in Directory.EnumerateDirectories(parent))
                new CommandGroup(child).KillAll();
    }

    /// <summary>Holds all of this process's commands together to <paramref name="ceiling"/> (the parent group's limits).</summary>
    public void LimitAll(CommandCeiling ceiling)
    {
        if (!Available) return;
        Write(_pidsParent!, "pids.max", ceiling.Processes > 0 ? ceiling.Processes.ToString(CultureInfo.InvariantCulture) : "max");
        Write(_memoryParent!, "memory.limit_in_bytes", ceiling.MemoryBytes > 0 ? ceiling.MemoryBytes : -1);
    }

    /// <summary>A limit as the parent group holds it now (for checks and reports): <c>pids.max</c>, <c>memory.limit_in_bytes</c>.</summary>
    public string? ParentLimit(string file) =>
        Available ? File.ReadAllText(Path.Combine(file.StartsWith("pids.", StringComparison.Ordinal) ? _pidsParent! : _memoryParent!, file)).Trim() : null;

    /// <summary>A group for one command with <paramref name="limits"/>, or null without cgroups.</summary>
    public CommandGroup? Create(CommandLimits limits)
    {
        if (!Available) return null;
        var name = $"cmd-{Interlocked.Increment(ref _next)}";
        var pids = Path.Combine(_pidsParent!, name);
        var memory = Path.Combine(_memoryParent!, name);
        Directory.CreateDirectory(pids);
        Directory.CreateDirectory(memory);
        try
        {
            if (limits.Processes > 0) Write(pids, "pids.max", limits.Processes);
            if (limits.MemoryBytes > 0) Write(memory, "memory.limit_in_bytes", limits.MemoryBytes);
        }
        catch
        {
            Directory.Delete(pids); // nothing joined them yet
            Directory.Delete(memory);
            throw;
        }
        return new CommandGroup(pids, memory);
    }

    private static CommandCgroups Open(int processId)
    {
        try
        {
            var pids = ParentFor("pids", processId);
            var memory = ParentFor("memory", processId);
            if (pids is null || memory is null)
                return new CommandCgroups(null, null, "the cgroup v1 'pids' and 'memory' controllers are not mounted");
            SweepStale(Path.GetDirectoryName(pids)!);
            SweepStale(Path.GetDirectoryName(memory)!);
            Directory.CreateDirectory(pids);
            Directory.CreateDirectory(memory);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveTree(pids, memory);
            return new CommandCgroups(pids, memory, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CommandCgroups(null, null, $"cannot create cgroups ({ex.Message})");
        }
    }

    /// <summary><c>&lt;mount&gt;/&lt;our cgroup&gt;/actor-rollouts-&lt;pid&gt;</c> for a v1 controller, or null if it is not mounted.</summary>
    private static string? ParentFor(string controller, int processId)
    {
        var own = File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3))
            .FirstOrDefault(f => f.Length == 3 && f[1].Split(',').Contains(controller))?[2];
        if (own is null) return null;
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            var (fields, super) = (line.Split(" - ")[0].Split(' '), line.Split(" - ").ElementAtOrDefault(1)?.Split(' '));
            if (super is not ["cgroup", _, var options, ..] || !options.Split(',').Contains(controller)) continue;
            var (root, mount) = (fields[3], fields[4]);
            var relative = root == "/" ? own : own.StartsWith(root, StringComparison.Ordinal) ? own[root.Length..] : own;
            return Path.Combine(mount, relative.TrimStart('/'), $"actor-rollouts-{processId}");
        }
        return null;
    }

    /// <summary>Groups left by a process that was killed (its pid is gone): their commands are killed and the groups removed.</summary>
    private static void SweepStale(string under)
    {
        if (!Directory.Exists(under)) return;
        foreach (var dir in Directory.EnumerateDirectories(under, "actor-rollouts-*"))
            if (int.TryParse(Path.GetFileName(dir)["actor-rollouts-".Length..], out var pid) && !Directory.Exists($"/proc/{pid}"))
                RemoveTree(dir);
    }

    private static void RemoveTree(params string[] parents)
    {
        foreach (var parent in parents)
        {
            try
            {
                // At exit or at start-up, never on an actor's thread: waiting here for killed processes is fine.
                foreach (var child in Directory.EnumerateDirectories(parent)) new CommandGroup(child).DisposeAsync().AsTask().GetAwaiter().GetResult();
                CommandGroup.RemoveGroupAsync(parent).GetAwaiter().GetResult();
            }
            catch (IOException)
            {
                // best effort at exit; the next process sweeps what is left
            }
        }
    }

    internal static void Write(string group, string file, long value) => Write(group, file, value.ToString(CultureInfo.InvariantCulture));

    private static void Write(string group, string file, string value) => File.WriteAllText(Path.Combine(group, file), value);
}

/// <summary>The cgroups of one command: join them (<see cref="ProcsFiles"/>), read what it used, kill all it started.</summary>
public sealed class CommandGroup : IAsyncDisposable
{
    private const int SigKill = 9;
    private readonly string[] _dirs;

    internal CommandGroup(params string[] dirs) => _dirs = dirs;

    /// <summary>The <c>cgroup.procs</c> files a process writes its pid into to join (its children then belong too).</summary>
    public IReadOnlyList<string> ProcsFiles => [.. _dirs.Select(d => Path.Combine(d, "cgroup.procs"))];

    /// <summary>Kills every process in the group until none is left (a fork bomb may fork between two reads; its
    /// process limit keeps the rounds few).</summary>
    public void KillAll()
    {
        for (var round = 0; round < 1000; round++)
        {
            var pids = _dirs.SelectMany(Members).Distinct().ToList();
            if (pids.Count == 0) return;
            foreach (var pid in pids) Kill(pid, SigKill);
            if (round > 0) Thread.Yield();
        }
    }

    /// <summary>Whether the command ran into its memory or process limit, and its peaks.</summary>
    public CommandUsage Usage()
    {
        var pids = _dirs[0];
        var memory = _dirs.Length > 1 ? _dirs[1] : null;
        return new CommandUsage(
            OomKills: memory is null ? 0 : Counter(Path.Combine(memory, "memory.oom_control"), "oom_kill"),
            ForksRefused: Counter(Path.Combine(pids, "pids.events"), "max"),
            PeakMemoryBytes: memory is null ? 0 : Number(Path.Combine(memory, "memory.max_usage_in_bytes")),
            PeakProcesses: Number(Path.Combine(pids, "pids.peak")));
    }

    public async ValueTask DisposeAsync()
    {
        KillAll();
        foreach (var dir in _dirs) await RemoveGroupAsync(dir);
    }

    /// <summary>rmdir of a cgroup fails while a killed process is still exiting: a few tries, waiting without holding a
    /// thread. A group that still will not go is left empty for this process's exit (or the next process) to remove:
    /// the command's result does not depend on it.</summary>
    internal static async Task RemoveGroupAsync(string dir)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir);
                return;
            }
            catch (IOException)
            {
                await Task.Delay(10);
            }
        }
    }

    private static IEnumerable<int> Members(string dir)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(dir, "cgroup.procs")).Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static long Counter(string file, string key)
    {
        try
        {
            return File.ReadLines(file).Select(l => l.Split(' ')).Where(f => f.Length == 2 && f[0] == key)
                .Select(f => long.Parse(f[1], CultureInfo.InvariantCulture)).FirstOrDefault();
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static long Number(string file)
    {
        try
        {
            return long.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var n) ? n : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}

/// <summary>What a command's cgroups counted.</summary>
public sealed record CommandUsage(long OomKills, long ForksRefused, long PeakMemoryBytes, long PeakProcesses);
