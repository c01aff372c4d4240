using System.Diagnostics;
using System.Text;

namespace ActorRollouts.Environments.Sandbox;

/// <summary>What a command did.</summary>
public sealed record CommandResult(int? ExitCode, string Stdout, string Stderr, bool TimedOut, long DurationMs, bool StdoutCut, bool StderrCut);

/// <summary>Runs a shell command in a workspace. With bubblewrap the command sees the workspace at <c>/workspace</c>
/// (read-write), the system read-only, a fresh <c>/tmp</c>, no network and its own PID namespace, and dies with us. On
/// timeout the whole process tree is killed (with bubblewrap that is the whole PID namespace).</summary>
public static class CommandRunner
{
    public const string SandboxWorkspace = "/workspace";

    public static bool BwrapAvailable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => File.Exists(Path.Combine(dir, "bwrap")));

    public static async Task<CommandResult> RunAsync(string workspace, string command, TimeSpan timeout, SandboxMode mode, int outputCap,
        CancellationToken cancellationToken)
    {
        var start = mode == SandboxMode.Bwrap ? Bwrap(workspace, command) : Plain(workspace, command);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.UseShellExecute = false;
        var clock = Stopwatch.StartNew();
        using var process = await ProcessLauncher.StartAsync(start);
        process.StandardInput.Close();
        var stdout = new CappedBuffer(outputCap);
        var stderr = new CappedBuffer(outputCap);
        var reading = Task.WhenAll(Pump(process.StandardOutput, stdout), Pump(process.StandardError, stderr));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        await reading;
        return new CommandResult(timedOut ? null : process.ExitCode, stdout.Text, stderr.Text, timedOut, clock.ElapsedMilliseconds, stdout.Cut, stderr.Cut);
    }

    private static ProcessStartInfo Bwrap(string workspace, string command)
    {
        var start = new ProcessStartInfo("bwrap");
        string[] args =
        [
            "--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--ro-bind", "/etc", "/etc",
            "--bind", workspace, SandboxWorkspace, "--chdir", SandboxWorkspace,
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--unshare-all", "--die-with-parent", "--new-session",
            "--setenv", "HOME", SandboxWorkspace, "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "bash", "-c", command,
        ];
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    private static ProcessStartInfo Plain(string workspace, string command)
    {
        var start = new ProcessStartInfo("bash") { WorkingDirectory = workspace };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        return start;
    }

    private static async Task Pump(StreamReader reader, CappedBuffer buffer)
    {
        var chunk = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(chunk)) > 0) buffer.Append(chunk.AsSpan(0, read));
    }

    /// <summary>Keeps the first and last halves of the cap and drops the middle of anything longer.</summary>
    private sealed class CappedBuffer(int cap)
    {
        private readonly StringBuilder _head = new();
        private readonly StringBuilder _tail = new();
        private long _dropped;

        public bool Cut => _dropped > 0;

        public string Text => Cut ? $"{_head}\n[… {_dropped} characters cut …]\n{_tail}" : _head.ToString() + _tail;

        public void Append(ReadOnlySpan<char> text)
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
