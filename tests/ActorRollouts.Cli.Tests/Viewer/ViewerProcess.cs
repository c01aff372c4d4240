using System.Diagnostics;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>A real <c>actor-rollouts</c> process that serves the viewer (<c>view</c>, <c>run --view</c>, or <c>serve</c>), and the
/// address it printed. Disposing stops it with SIGTERM, as a user's Ctrl-C would.</summary>
public sealed class ViewerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _stderr = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _stderrLines = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource Done)> _stderrWaiters = [];
    private readonly TaskCompletionSource<string> _url = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder _stdout = new();

    private ViewerProcess(string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Cli.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "actor-rollouts.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
        _process.StandardInput.Close();
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _exited.TrySetResult();
                return;
            }
            lock (_stdout) _stdout.AppendLine(e.Data);
            if (e.Data.StartsWith("viewer: http", StringComparison.Ordinal)) _url.TrySetResult(e.Data["viewer: ".Length..]);
            // serve: http://HOST:PORT/v1/ (API) and http://HOST:PORT/?token=… (viewer)
            if (e.Data.StartsWith("serve: http", StringComparison.Ordinal)) _url.TrySetResult(e.Data.Split(" and ")[1].Split(' ')[0]);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderrLines)
            {
                if (e.Data is null)
                {
                    _stderr.TrySetResult(_stderrLines.ToString());
                    return;
                }
                _stderrLines.AppendLine(e.Data);
                foreach (var waiter in _stderrWaiters.Where(w => w.Match(e.Data)).ToList())
                {
                    waiter.Done.TrySetResult();
                    _stderrWaiters.Remove(waiter);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The address as printed (with <c>?token=…</c> when the viewer needs one).</summary>
    public string Url { get; private set; } = "";

    /// <summary>The address without the token.</summary>
    public Uri Root => new(Url.Split('?')[0]);

    public string Stdout
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public Process Process => _process;

    /// <summary>Completes when the process prints a line on stderr that <paramref name="match"/>es (one printed earlier counts).</summary>
    public Task WhenStderrLine(Func<string, bool> match)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stderrLines)
        {
            if (_stderrLines.ToString().Split('\n').Any(line => match(line.TrimEnd('\r')))) return Task.CompletedTask;
            _stderrWaiters.Add((match, done));
        }
        return done.Task;
    }

    public static async Task<ViewerProcess> StartAsync(params string[] args)
    {
        var viewer = new ViewerProcess(args);
        var printed = await Task.WhenAny(viewer._url.Task, viewer._exited.Task, Task.Delay(TimeSpan.FromSeconds(60)));
        if (printed != viewer._url.Task)
        {
            await viewer.DisposeAsync();
            throw new InvalidOperationException($"actor-rollouts {string.Join(' ', args)} printed no viewer address.\n{viewer.Stdout}\n{await viewer._stderr.Task}");
        }
        viewer.Url = await viewer._url.Task;
        return viewer;
    }

    /// <summary>Waits for the process to end by itself (a <c>run --view</c> whose fleet finished).</summary>
    public async Task<(int ExitCode, string Stderr)> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return (_process.ExitCode, await _stderr.Task);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString()])!) await term.WaitForExitAsync();
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        _process.Dispose();
    }
}
