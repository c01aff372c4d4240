using System.Runtime.InteropServices;

// Reads one request per line on stdin, in order:
//   mount <TAB> lower <TAB> upper <TAB> work <TAB> target   answered with one line: ok | error <TAB> why
//   umount <TAB> target                                     not answered (nobody could act on a failure)
// It exits at the end of its input, which is how it ends with the engine, even after a SIGKILL: its namespace, and with
// it every overlay mounted here, goes with it.
var layers = new DetachedLayers();
var input = Console.In;
var output = Console.Out;
while (input.ReadLine() is { } line)
{
    var fields = line.Split('\t');
    if (fields is ["umount", var mountPoint])
    {
        Native.umount2(mountPoint, Native.MntDetach);
        continue;
    }
    var failed = fields is ["mount", var lower, var upper, var work, var target]
        ? layers.MountOverlay(lower, upper, work, target)
        : $"not a request: '{line}'";
    output.WriteLine(failed is null ? "ok" : $"error\t{failed}");
    output.Flush();
}

/// <summary>Mounts overlays whose layers are named through detached copies of their folders (<c>open_tree</c>), one per
/// folder, kept open. Why: for each layer the kernel takes a private copy of the layer's mount and first checks every
/// mount attached under that mount (<c>has_locked_children</c>). Every workspace's tree is mounted under the same mount
/// its layers live on, so with the layers named by their plain paths each mount looked at all earlier ones: 5,000
/// workspaces cost 3.6 s. A detached copy has nothing mounted under it.</summary>
internal sealed class DetachedLayers
{
    private readonly Dictionary<string, int> _folders = [];

    /// <summary>Older kernels refuse detached layers (EINVAL): after one such refusal, plain paths only.</summary>
    private bool _detachedRefused;

    /// <summary>Null when mounted, else why not. <paramref name="upper"/> and <paramref name="work"/> are named through
    /// one copy (overlayfs wants them on one mount): that of the folder above their common parent, which every session of
    /// a fleet shares; <paramref name="lower"/> through a copy of itself. A failure is tried again with plain paths, whose
    /// error is the one worth reporting.</summary>
    public string? MountOverlay(string lower, string upper, string work, string target)
    {
        var parent = Path.GetDirectoryName(upper);
        var shared = parent is null || Path.GetDirectoryName(work) != parent ? null : Path.GetDirectoryName(parent);
        if (shared is not null && !_detachedRefused)
        {
            if (Mount(Detached(lower, "."), Detached(shared, Path.GetRelativePath(shared, upper)), Detached(shared, Path.GetRelativePath(shared, work)), target))
                return null;
            var refused = Marshal.GetLastPInvokeError() == Native.EInval;
            if (Mount(lower, upper, work, target))
            {
                _detachedRefused = refused;
                return null;
            }
            return Native.LastError();
        }
        return Mount(lower, upper, work, target) ? null : Native.LastError();
    }

    private static bool Mount(string lower, string upper, string work, string target) =>
        Native.mount("overlay", target, "overlay", 0, $"lowerdir={lower},upperdir={upper},workdir={work},userxattr") == 0;

    /// <summary><paramref name="relative"/> under a detached copy of <paramref name="folder"/>'s mount, as a path the
    /// mount call can follow; the plain path if no copy can be made (the kernel then pays the slow check).</summary>
    private string Detached(string folder, string relative)
    {
        if (!_folders.TryGetValue(folder, out var fd))
        {
            fd = Native.open_tree(Native.AtFdCwd, folder, Native.OpenTreeClone | Native.OpenTreeCloexec);
            if (fd < 0) return Path.GetFullPath(relative, folder);
            _folders[folder] = fd;
        }
        return relative == "." ? $"/proc/self/fd/{fd}" : $"/proc/self/fd/{fd}/{relative}";
    }
}

internal static partial class Native
{
    /// <summary>Detaches the mount now and frees it once nothing uses it (<c>umount -l</c>).</summary>
    public const int MntDetach = 2;

    public const int EInval = 22;
    public const int AtFdCwd = -100;
    public const uint OpenTreeClone = 1;
    public const uint OpenTreeCloexec = 0x80000; // O_CLOEXEC

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string source, string target, string fileSystemType, ulong flags, string data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open_tree(int directoryFd, string path, uint flags);

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}
