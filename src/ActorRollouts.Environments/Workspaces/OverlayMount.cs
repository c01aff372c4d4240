using System.Diagnostics;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>A session's copy-on-write tree: the kernel's overlayfs, the captured template as its read-only lower layer
/// and the session's own folder as its upper layer, mounted in a user + mount namespace of its own (no privileges
/// needed). One small <c>sh</c> holds the namespace open for as long as the workspace is in use and exits when its stdin
/// closes, so the mount goes away with us even after a SIGKILL. Our own tools see the tree through
/// <c>/proc/PID/root</c>, and every command joins the namespace (<c>nsenter</c>), so tools and <c>bash</c> see one and
/// the same tree, with the kernel's semantics for both.</summary>
public sealed class OverlayMount : IDisposable
{
    private static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _holder;

    private OverlayMount(Process holder, string mountPoint)
    {
        _holder = holder;
        MountPoint = mountPoint;
    }

    /// <summary>Where the tree is mounted, as a path inside the namespace (the same folder shows empty outside it).</summary>
    public string MountPoint { get; }

    /// <summary>The process holding the namespace: commands enter it with <c>nsenter -t Pid</c>.</summary>
    public int Pid => _holder.Id;

    /// <summary>The merged tree as this process sees it.</summary>
    public string Root => $"/proc/{Pid}/root{MountPoint}";

    /// <summary>False once the holder died (killed from outside): the workspace mounts again before its next call.</summary>
    public bool IsAlive => !_holder.HasExited;

    /// <summary>Null when workspaces can be mounted under <paramref name="folder"/>, else why not, in words a user can act
    /// on: tried once with a throw-away mount before a fleet starts, instead of failing every session.</summary>
    public static string? Unavailable(string folder)
    {
        if (!Sandbox.CommandRunner.OnPath("unshare") || !Sandbox.CommandRunner.OnPath("nsenter")) return "unshare and nsenter (util-linux) are not on PATH";
        var probe = Path.Combine(folder, $".probe-{Environment.ProcessId}-{Guid.NewGuid():n}");
        try
        {
            foreach (var sub in (string[])["lower", "upper", "work", "merged"]) Directory.CreateDirectory(Path.Combine(probe, sub));
            using var mount = Start(Path.Combine(probe, "lower"), Path.Combine(probe, "upper"), Path.Combine(probe, "work"), Path.Combine(probe, "merged"));
            return null;
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
        finally
        {
            Directory.Delete(probe, recursive: true);
        }
    }

    /// <summary>Mounts <paramref name="upper"/> over <paramref name="lower"/> at <paramref name="mountPoint"/> and waits
    /// until it is there. <paramref name="work"/> is overlayfs's scratch folder (same file system as the upper one).</summary>
    public static OverlayMount Start(string lower, string upper, string work, string mountPoint)
    {
        foreach (var folder in (string[])[lower, upper, work, mountPoint])
            if (folder.IndexOfAny([',', ':', '\\', '\n']) >= 0)
                throw new IOException($"overlayfs cannot mount '{folder}': a workspace path may not contain ',', ':', '\\' or a newline.");
        var start = new ProcessStartInfo("unshare")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["-Urm", "sh", "-c",
                     """mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3,userxattr" "$4" || exit 1; echo mounted; read -r _""",
                     "actor-rollouts-workspace", lower, upper, work, mountPoint])
            start.ArgumentList.Add(arg);
        var holder = Process.Start(start) ?? throw new IOException("could not start unshare");
        // A plain blocking read: waiting on an async read here would need a free thread-pool thread to finish it, and a
        // fleet opening hundreds of workspaces at once would starve the pool of exactly those. A timer ends a hung mount.
        string? line;
        var timedOut = false;
        using (new Timer(_ => { timedOut = true; Kill(holder); }, null, MountTimeout, Timeout.InfiniteTimeSpan))
            line = holder.StandardOutput.ReadLine();
        if (line != "mounted")
        {
            var error = timedOut ? $"no answer in {MountTimeout.TotalSeconds:0} s" : holder.WaitForExit(5000) ? holder.StandardError.ReadToEnd().Trim() : "it did not say why";
            Kill(holder);
            holder.Dispose();
            throw new IOException($"could not mount the workspace's overlay at '{mountPoint}': {error}");
        }
        // Only its stdin stays open here (its end ends the holder): with three pipes a workspace, a fleet of 5,000 held
        // 15,000 descriptors for them, and every process we start copies and then closes each one.
        holder.StandardOutput.Dispose();
        holder.StandardError.Dispose();
        return new OverlayMount(holder, mountPoint);
    }

    public void Dispose()
    {
        Kill(_holder);
        _holder.Dispose();
    }

    private static void Kill(Process holder)
    {
        try
        {
            holder.StandardInput.Close(); // it reads stdin: end of input ends it
            holder.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
