using System.Diagnostics;
using System.Text;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>What a command did. <paramref name="LimitHit"/> names the limit it ran into (<see cref="LimitKinds"/>), if
/// any; <paramref name="EnforcedBy"/> says what held its limits (<c>cgroup+rlimit</c> or <c>rlimit</c>).</summary>
public sealed record CommandResult(
    int? ExitCode, string Stdout, string Stderr, bool TimedOut, long DurationMs, bool StdoutCut, bool StderrCut,
    string? LimitHit = null, string EnforcedBy = "rlimit", long PeakMemoryBytes = 0, long PeakProcesses = 0);

/// <summary>How to run one command: where, what, how long, in which sandbox, within which limits. With
/// <paramref name="Namespace"/> (the pid holding a workspace's overlay mount), <paramref name="Workspace"/> is a path inside
/// that namespace, which the command joins first. With <paramref name="Image"/>, that tree is the command's <c>/</c> and the
/// image's config applies. <paramref name="Program"/> runs a program (its arguments as given) instead of a shell command
/// (an MCP server); <paramref name="Network"/> gives the sandbox the host's network; <paramref name="Env"/> adds variables
/// to the few a sandboxed program gets; <paramref name="Binds"/> puts host files into the sandbox's <c>/tmp</c> (an agent's
/// gateway socket and its bridge).</summary>
public sealed record CommandRequest(string Workspace, string Command, TimeSpan Timeout, SandboxMode Mode, int OutputCap, CommandLimits Limits,
    int? Namespace = null, Core.Tasks.SessionImage? Image = null, IReadOnlyList<string>? Program = null, bool Network = false,
    IReadOnlyDictionary<string, string>? Env = null, IReadOnlyList<SandboxBind>? Binds = null)
{
    /// <summary>A command in a session's workspace: inside its overlay's namespace, at its mount point; in its folder when
    /// it has no template (and so no mount).</summary>
    public static CommandRequest In(Workspace workspace, string command, TimeSpan timeout, EnvironmentOptions options) =>
        workspace.Mount is { } mount
            ? new CommandRequest(mount.MountPoint, command, timeout, options.Sandbox, options.OutputCapBytes, options.CommandLimits, mount.Pid, workspace.Image)
            : new CommandRequest(workspace.Root, command, timeout, options.Sandbox, options.OutputCapBytes, options.CommandLimits);
}

/// <summary>Runs a shell command in a workspace. With bubblewrap the command sees the workspace at <c>/workspace</c>
/// (read-write), the system read-only, a fresh <c>/tmp</c>, no network and its own PID namespace, and dies with us. Every
/// command runs within <see cref="CommandLimits"/>: rlimits set by util-linux <c>prlimit</c>, and where the machine allows,
/// cgroups of its own that the command joins before it starts. On timeout, on cancellation and when it exits, everything it
/// started is killed: its cgroup's processes, else its process tree.</summary>
public static class CommandRunner
{
    public const string SandboxWorkspace = "/workspace";

    /// <summary>How long output pipes may stay open after the command ended and its processes were killed (a process that
    /// escaped a machine without cgroups may still hold them): its output so far is kept, the rest is not waited for.</summary>
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    public static bool BwrapAvailable() => OnPath("bwrap");

    public static bool PrlimitAvailable() => OnPath("prlimit");

    /// <summary>Whether <paramref name="program"/> is in a folder of PATH.</summary>
    internal static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, program)));

    /// <summary>Runs the command to its end, its timeout (<see cref="CommandResult.TimedOut"/>) or the caller's cancellation,
    /// which kills everything it started and then throws <see cref="OperationCanceledException"/>.</summary>
    public static async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var group = CommandCgroups.Instance.Create(request.Limits);
        var start = Launch(request, group);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        var clock = Stopwatch.StartNew();
        using var process = await ProcessLauncher.StartAsync(start);
        process.StandardInput.Close();
        var stdout = new CappedBuffer(request.OutputCap);
        var stderr = new CappedBuffer(request.OutputCap);
        var reading = Task.WhenAll(Pump(process.StandardOutput, stdout), Pump(process.StandardError, stderr));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            KillEverything(process, group);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        group?.KillAll(); // what it left running in the background ends with it
        await Task.WhenAny(reading, Task.Delay(DrainGrace, CancellationToken.None));
        cancellationToken.ThrowIfCancellationRequested();

        var exitCode = timedOut ? (int?)null : process.ExitCode;
        var usage = group?.Usage();
        return new CommandResult(exitCode, stdout.Text, stderr.Text, timedOut, clock.ElapsedMilliseconds, stdout.Cut, stderr.Cut,
            LimitHit(exitCode, stderr.Text, usage), group is null ? "rlimit" : "cgroup+rlimit", usage?.PeakMemoryBytes ?? 0, usage?.PeakProcesses ?? 0);
    }

    /// <summary>Starts a long-running program (an MCP server) as <see cref="RunAsync"/> starts a command — in its cgroups,
    /// within its limits, in its sandbox, from the launcher thread so that bubblewrap dies with us — with its standard
    /// streams left to the caller.</summary>
    public static async Task<Process> StartAsync(CommandRequest request, CommandGroup? group)
    {
        var start = Launch(request, group);
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        return await ProcessLauncher.StartAsync(start);
    }

    /// <summary>A command sees none of this process's environment, where API keys and tokens live: only what a shell
    /// needs, and the request's own variables (bubblewrap sets those itself; an image's commands get the image's
    /// <c>Env</c> too).</summary>
    private static void OnlySandboxEnvironment(ProcessStartInfo start, CommandRequest request)
    {
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["HOME"] = request.Mode == SandboxMode.Bwrap ? SandboxWorkspace : request.Workspace;
        start.Environment["LANG"] = "C.UTF-8";
        if (request.Mode == SandboxMode.None)
            foreach (var (name, value) in request.Env ?? new Dictionary<string, string>()) start.Environment[name] = value;
    }

    private static void KillEverything(Process process, CommandGroup? group)
    {
        group?.KillAll();
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // it had already exited
        }
    }

    /// <summary>A memory kill or a refused fork is counted by the cgroup; rlimit kills show as the signal's exit code
    /// (128 + SIGXCPU 24 / SIGXFSZ 25) or as bash's report of a child killed by one.</summary>
    private static string? LimitHit(int? exitCode, string stderr, CommandUsage? usage) =>
        usage?.OomKills > 0 ? LimitKinds.Memory
        : usage?.ForksRefused > 0 ? LimitKinds.Processes
        : exitCode == 153 || stderr.Contains("File size limit exceeded", StringComparison.Ordinal) ? LimitKinds.FileSize
        : exitCode == 152 || stderr.Contains("CPU time limit exceeded", StringComparison.Ordinal) ? LimitKinds.CpuTime
        : null;

    /// <summary><c>sh</c> moves itself into the command's cgroups, then becomes <c>prlimit</c>, which sets the rlimits and
    /// becomes the sandbox (bubblewrap, or bash in the workspace): everything after that starts inside the limits.</summary>
    private static ProcessStartInfo Launch(CommandRequest request, CommandGroup? group)
    {
        var start = new ProcessStartInfo("sh");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""for procs in "$@"; do [ "$procs" = "--" ] && break; echo $$ > "$procs" || exit 125; shift; done; shift; exec "$@" """);
        start.ArgumentList.Add("actor-rollouts-sandbox");
        foreach (var procs in group?.ProcsFiles ?? []) start.ArgumentList.Add(procs);
        start.ArgumentList.Add("--");
        start.ArgumentList.Add("prlimit");
        foreach (var option in request.Limits.PrlimitOptions()) start.ArgumentList.Add(option);
        start.ArgumentList.Add("--");
        if (request.Namespace is { } pid)
        {
            foreach (var arg in (string[])["nsenter", "-t", pid.ToString(), "-U", "-m", "--preserve-credentials"]) start.ArgumentList.Add(arg);
        }
        IEnumerable<string> sandboxed = request.Image is { } image && request.Mode == SandboxMode.Bwrap
            ? ImageSandbox.BwrapArguments(request.Workspace, image, request.Program ?? ImageSandbox.Shell(request.Command), request.Network, request.Env, request.Binds)
            : request.Mode == SandboxMode.Bwrap
                ? BwrapArguments(request.Workspace, request.Program ?? ["bash", "-c", request.Command], asRoot: request.Namespace is null, request.Network, request.Env, request.Binds)
                // cd after entering the namespace: a folder opened before (nsenter --wd) would be the bare mount point under it.
                // Without bubblewrap's --die-with-parent, setpriv makes it die with us all the same (a SIGKILL of ours included).
                : ["setpriv", "--pdeathsig", "KILL", "--", "bash", "-c", "cd \"$0\" || exit 126; shift; exec \"$@\"", request.Workspace, "--",
                   .. request.Program ?? ["bash", "-c", request.Command]];
        foreach (var arg in sandboxed) start.ArgumentList.Add(arg);
        OnlySandboxEnvironment(start, request);
        return start;
    }

    /// <summary>Inside a workspace's namespace the command's user is root (the namespace maps us to it); without one,
    /// <paramref name="asRoot"/> maps us to root in bubblewrap's own user namespace, so a command sees the same user in
    /// either kind of workspace.</summary>
    private static string[] BwrapArguments(string workspace, IReadOnlyList<string> program, bool asRoot, bool network, IReadOnlyDictionary<string, string>? env,
        IReadOnlyList<SandboxBind>? binds) =>
    [
        "bwrap",
        .. asRoot ? (string[])["--unshare-user", "--uid", "0", "--gid", "0"] : [],
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
        "--ro-bind", "/etc", "/etc",
        "--bind", workspace, SandboxWorkspace, "--chdir", SandboxWorkspace,
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", .. SandboxBind.Arguments(binds),
        "--unshare-all", .. network ? (string[])["--share-net"] : [], "--die-with-parent", "--new-session",
        "--setenv", "HOME", SandboxWorkspace, "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
        .. (env ?? new Dictionary<string, string>()).SelectMany(v => (string[])["--setenv", v.Key, v.Value]),
        .. program,
    ];

    private static async Task Pump(StreamReader reader, CappedBuffer buffer)
    {
        var chunk = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(chunk)) > 0) buffer.Append(chunk.AsSpan(0, read));
    }

    /// <summary>Keeps the first and last halves of the cap and drops the middle of anything longer. Appends come from one
    /// pump each; <see cref="Text"/> may be read while a pump that outlived the command still appends, hence the lock.</summary>
    private sealed class CappedBuffer(int cap)
    {
        private readonly StringBuilder _head = new();
        private readonly StringBuilder _tail = new();
        private readonly Lock _lock = new();
        private long _dropped;

        public bool Cut
        {
            get
            {
                lock (_lock) return _dropped > 0;
            }
        }

        public string Text
        {
            get
            {
                lock (_lock) return _dropped > 0 ? $"{_head}\n[… {_dropped} characters cut …]\n{_tail}" : _head.ToString() + _tail;
            }
        }

        public void Append(ReadOnlySpan<char> text)
        {
            lock (_lock)
            {
                var room = cap / 2 - _head.Length;
                if (room > 0)
                {
                    var take = Math.Min(room, text.Length);
                    _head.Append(text[..take]);
                    text = text[take..];
                }
                _tail.Append(text);
                if (_tail.Length > cap / 2)
                {
                    var excess = _tail.Length - cap / 2;
                    _tail.Remove(0, excess);
                    _dropped += excess;
                }
            }
        }
    }
}
