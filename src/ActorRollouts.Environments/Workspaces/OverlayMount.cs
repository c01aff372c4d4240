namespace ActorRollouts.Environments.Workspaces;

/// <summary>A session's copy-on-write tree: the kernel's overlayfs, the captured template as its read-only lower layer
/// and the session's own folder as its upper layer, mounted in this process's <see cref="MountNamespace"/>. Our own tools
/// see the tree through <c>/proc/PID/root</c>, and every command joins the namespace (<c>nsenter</c>), so tools and
/// <c>bash</c> see one and the same tree, with the kernel's semantics for both.</summary>
public sealed class OverlayMount : IDisposable
{
    private readonly MountNamespace _namespace;

    private OverlayMount(MountNamespace ns, string mountPoint)
    {
        _namespace = ns;
        MountPoint = mountPoint;
    }

    /// <summary>Where the tree is mounted, as a path inside the namespace (the same folder shows empty outside it).</summary>
    public string MountPoint { get; }

    /// <summary>The process holding the namespace: commands enter it with <c>nsenter -t Pid</c>.</summary>
    public int Pid => _namespace.Pid;

    /// <summary>The merged tree as this process sees it.</summary>
    public string Root => $"/proc/{Pid}/root{MountPoint}";

    /// <summary>False once the namespace's helper died (killed from outside): the workspace mounts again before its next
    /// call.</summary>
    public bool IsAlive => _namespace.IsAlive;

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

    /// <summary>Mounts <paramref name="upper"/> over <paramref name="lower"/> at <paramref name="mountPoint"/> in this
    /// process's namespace, in <paramref name="ns"/> if given. <paramref name="work"/> is overlayfs's scratch folder (same
    /// file system as the upper one).</summary>
    public static OverlayMount Start(string lower, string upper, string work, string mountPoint, MountNamespace? ns = null)
    {
        var into = Validated(lower, upper, work, mountPoint, ns);
        into.Mount(lower, upper, work, mountPoint);
        return new OverlayMount(into, mountPoint);
    }

    /// <summary>As <see cref="Start"/>, without holding a thread while it mounts.</summary>
    public static async Task<OverlayMount> StartAsync(string lower, string upper, string work, string mountPoint, MountNamespace? ns = null)
    {
        var into = Validated(lower, upper, work, mountPoint, ns);
        await into.MountAsync(lower, upper, work, mountPoint);
        return new OverlayMount(into, mountPoint);
    }

    private static MountNamespace Validated(string lower, string upper, string work, string mountPoint, MountNamespace? ns)
    {
        foreach (var folder in (string[])[lower, upper, work, mountPoint])
            if (folder.IndexOfAny([',', ':', '\\', '\n', '\t']) >= 0)
                throw new IOException($"overlayfs cannot mount '{folder}': a workspace path may not contain ',', ':', '\\', a tab or a newline.");
        return ns ?? MountNamespace.Shared;
    }

    /// <summary>Unmounts the tree; the session's changes stay in its upper folder.</summary>
    public void Dispose() => _namespace.Unmount(MountPoint);
}
