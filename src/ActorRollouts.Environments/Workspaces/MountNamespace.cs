using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>One user + mount namespace (no privileges needed) in which every workspace of this process is mounted, held
/// by the mount helper (<c>ActorRollouts.Mounts</c>, started under <c>unshare -Urm</c>), which mounts and unmounts there
/// on request with one system call each.
/// <para>Why one helper and not a process per workspace: starting a process forks ours, and the kernel copies and then
/// closes every descriptor we hold. With thousands of model calls in flight that made each mount cost milliseconds, and
/// a fleet of 5,000 spent some 20 s of a 53 s run waiting for its workspaces. The helper holds a handful of descriptors
/// and starts nothing.</para>
/// <para>Requests are pipelined: a caller writes its request and waits for its answer, which a reader thread of the
/// namespace hands out in order, so a fleet's mounts go to the helper back to back instead of one round trip at a
/// time.</para>
/// <para>The helper exits at the end of its stdin, so the namespace and every mount in it go away with us, even after a
/// SIGKILL. Killed from outside, it is replaced on the next mount; each workspace notices (<see cref="IsAlive"/>) and
/// mounts again.</para></summary>
public sealed class MountNamespace : IDisposable
{
    /// <summary>How long one mount may wait for its answer before the helper is taken for hung and killed.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static readonly Lock SharedLock = new();
    private static MountNamespace? _shared;

    private readonly Process _helper;
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource<string>> _waiting = new();
    /// <summary>Set when the helper's output ended or we ended it: no request goes out after that.</summary>
    private volatile bool _closed;

    private MountNamespace(Process helper)
    {
        _helper = helper;
        new Thread(ReadAnswers) { IsBackground = true, Name = $"mount-helper-{helper.Id}" }.Start();
    }

    /// <summary>The process holding the namespace: commands enter it with <c>nsenter -t Pid</c>, and this process sees
    /// its mounts under <c>/proc/Pid/root</c>.</summary>
    public int Pid => _helper.Id;

    public bool IsAlive => !_closed && !_helper.HasExited;

    /// <summary>This process's namespace: started on first use, and again if its helper died.</summary>
    public static MountNamespace Shared
    {
        get
        {
            lock (SharedLock)
            {
                if (_shared is { IsAlive: true }) return _shared;
                _shared?.Dispose();
                return _shared = Start();
            }
        }
    }

    /// <summary>Starts a namespace of its own (the tests use one to kill it without touching anyone else's).</summary>
    public static MountNamespace Start()
    {
        var helper = HelperAssembly();
        if (!File.Exists(helper)) throw new IOException($"the mount helper is missing: '{helper}' (rebuild ActorRollouts)");
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-Urm", DotnetHost(), helper]) start.ArgumentList.Add(arg);
        try
        {
            return new MountNamespace(Process.Start(start) ?? throw new IOException("could not start unshare"));
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IOException($"could not start the mount helper under unshare: {ex.Message}", ex);
        }
    }

    /// <summary>Mounts an overlay of <paramref name="upper"/> over <paramref name="lower"/> at <paramref name="target"/>
    /// (all absolute, without ',', ':', '\', tab or newline); throws <see cref="IOException"/> saying why not. Blocks
    /// until the answer comes (from the reader thread, so no pool thread is needed for it).</summary>
    public void Mount(string lower, string upper, string work, string target)
    {
        var answer = Request(lower, upper, work, target);
        Check(target, answer.Wait(RequestTimeout) ? answer.Result : NoAnswer());
    }

    /// <summary>As <see cref="Mount"/>, without holding a thread while the helper works.</summary>
    public async Task MountAsync(string lower, string upper, string work, string target)
    {
        string said;
        try
        {
            said = await Request(lower, upper, work, target).WaitAsync(RequestTimeout);
        }
        catch (TimeoutException)
        {
            said = NoAnswer();
        }
        Check(target, said);
    }

    private Task<string> Request(string lower, string upper, string work, string target)
    {
        var answer = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_closed) return Task.FromResult("error\tthe mount helper has ended");
            _waiting.Enqueue(answer); // before the write: its answer may come before the write returns
            Send($"mount\t{lower}\t{upper}\t{work}\t{target}");
        }
        return answer.Task;
    }

    /// <summary>A hung helper is killed; its reader then fails every other waiting mount.</summary>
    private string NoAnswer()
    {
        Kill();
        return $"error\tthe mount helper gave no answer in {RequestTimeout.TotalSeconds:0} s";
    }

    private static void Check(string target, string answer)
    {
        if (answer != "ok")
            throw new IOException($"could not mount the workspace's overlay at '{target}': {(answer.StartsWith("error\t", StringComparison.Ordinal) ? answer[6..] : answer)}");
    }

    /// <summary>Unmounts <paramref name="target"/> (lazily: files still open there stay usable). Not answered: a workspace
    /// that goes away has nothing to do about a failure, and its changes are on disk either way.</summary>
    public void Unmount(string target)
    {
        lock (_lock)
        {
            if (!_closed) Send($"umount\t{target}"); // else its mounts went with it
        }
    }

    /// <summary>Writes one request (under <see cref="_lock"/>); a helper that is gone fails the waiting mounts through
    /// its reader, which sees its output end.</summary>
    private void Send(string request)
    {
        try
        {
            _helper.StandardInput.WriteLine(request);
            _helper.StandardInput.Flush();
        }
        catch (IOException)
        {
            // its stdin closed: it is gone
        }
    }

    /// <summary>Hands each answer to the oldest waiting mount; at the end of the helper's output, fails the rest with
    /// what the helper said on stderr.</summary>
    private void ReadAnswers()
    {
        while (_helper.StandardOutput.ReadLine() is { } line)
        {
            TaskCompletionSource<string>? next;
            lock (_lock) _waiting.TryDequeue(out next);
            next?.TrySetResult(line);
        }
        Kill();
        _helper.WaitForExit(5000);
        var why = _helper.StandardError.ReadToEnd().Trim();
        lock (_lock)
        {
            _closed = true;
            while (_waiting.TryDequeue(out var waiting))
                waiting.TrySetResult($"error\tthe mount helper ended ({(why.Length > 0 ? why : "it did not say why")})");
        }
    }

    private void Kill()
    {
        try
        {
            _helper.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>Ends the helper: the end of its input ends it, and its namespace with every mount in it. The process
    /// object itself is left to the collector: workspaces mounted here still ask it whether it lives.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            try
            {
                _helper.StandardInput.Close();
            }
            catch (IOException)
            {
                // already gone
            }
        }
        Kill();
    }

    /// <summary>The helper is built beside every program that references us (see ActorRollouts.Environments.csproj).</summary>
    private static string HelperAssembly() => Path.Combine(AppContext.BaseDirectory, "ActorRollouts.Mounts.dll");

    /// <summary>The <c>dotnet</c> that runs us: three folders above the runtime's own (…/shared/Microsoft.NETCore.App/10.x).</summary>
    private static string DotnetHost()
    {
        var host = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(host) ? host : "dotnet";
    }
}
