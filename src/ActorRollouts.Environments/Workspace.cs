using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Files;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Environments;

/// <summary>A session's working tree: copy-on-write over the fleet's captured template (see <see cref="OverlayMount"/>).
/// The session's folder holds only what it changed (<c>upper/</c>) and overlayfs's scratch space; the template is shared
/// read-only by every session. Without a template there is nothing to share: the tree is <c>upper/</c> itself, with no
/// mount (over an empty lower layer overlayfs would write exactly that folder). Every path a tool touches goes through <see cref="Resolve"/>, which keeps it inside
/// <see cref="Root"/>: relative, or absolute under <c>/workspace</c> (where commands see the tree), <c>..</c> normalised,
/// every symlink on the way followed inside the tree; a link whose target leaves it is refused.
/// <para>A workspace over a container image (<see cref="Image"/>) is the image's whole tree: commands see it as <c>/</c>,
/// an absolute path or symlink target is a path in the image (a link to <c>/etc/shadow</c> is the image's file, never the
/// host's), and relative paths start at the image's working folder.</para></summary>
public sealed class Workspace : IDisposable
{
    /// <summary>Where commands see the tree, and the one absolute prefix a tool path or a symlink may use.</summary>
    public const string SandboxPath = "/workspace";

    private readonly Lock _lock = new();
    private OverlayMount? _mount;

    private Workspace(string folder, string lower, OverlayMount? mount, SessionImage? image = null)
    {
        Folder = folder;
        Lower = lower;
        _mount = mount;
        Image = image;
        StartDir = image is null ? "" : image.StartDir.Trim('/');
    }

    /// <summary>The image whose tree this is (its config applies to commands); null for a workspace over a template.</summary>
    public SessionImage? Image { get; }

    /// <summary>Where relative paths start, relative to <see cref="Root"/>: the image's working folder, else the root.</summary>
    public string StartDir { get; }

    /// <summary>The session's own folder: <c>upper/</c> (its changes), <c>work/</c>, <c>merged/</c>.</summary>
    public string Folder { get; }

    /// <summary>The read-only lower layer: the captured template, or an empty folder.</summary>
    public string Lower { get; }

    /// <summary>The session's changes as overlayfs writes them (whiteouts for deletions).</summary>
    public string Upper => UpperOf(Folder);

    /// <summary>The merged tree as this process sees it; tools read and write here.</summary>
    public string Root => Mount?.Root ?? Upper;

    /// <summary>The live mount (mounted again if its namespace's helper was killed); null for a workspace without a
    /// template.</summary>
    public OverlayMount? Mount
    {
        get
        {
            lock (_lock)
            {
                if (_mount is { IsAlive: false })
                {
                    _mount.Dispose();
                    _mount = Start(Folder, Lower);
                }
                return _mount;
            }
        }
    }

    public static string UpperOf(string folder) => Path.Combine(folder, "upper");

    /// <summary>Opens the workspace in <paramref name="folder"/> over <paramref name="lower"/> (a captured template; null
    /// for none), creating the folder on first use; an existing one (a resumed session) keeps its changes. Blocks while
    /// it mounts: <see cref="OpenAsync(string, string?)"/> does not.</summary>
    public static Workspace Open(string folder, string? lower)
    {
        var (real, lowerDir) = Prepare(folder, lower);
        return lowerDir is null ? Unmounted(real) : new Workspace(real, lowerDir, Start(real, lowerDir));
    }

    /// <summary>As <see cref="Open"/>: the folder work happens on the calling thread, the mount is awaited.</summary>
    public static Task<Workspace> OpenAsync(string folder, string? lower) => OpenAsync(folder, lower, mounts: null);

    /// <summary>As <see cref="OpenAsync(string, string?)"/>, mounted first in <paramref name="mounts"/> instead of this
    /// process's shared namespace (tests kill it without touching anyone else's workspaces).</summary>
    internal static Task<Workspace> OpenAsync(string folder, string? lower, MountNamespace? mounts) => OpenAsync(folder, lower, image: null, mounts);

    /// <summary>A workspace over a container image's unpacked tree <paramref name="rootFs"/> (<paramref name="image"/>: its
    /// config), or over a template when <paramref name="image"/> is null.</summary>
    public static async Task<Workspace> OpenAsync(string folder, string? rootFs, SessionImage? image, MountNamespace? mounts = null)
    {
        var (real, lowerDir) = Prepare(folder, rootFs);
        if (lowerDir is null) return image is null ? Unmounted(real) : throw new DirectoryNotFoundException("A workspace over an image needs the image's tree.");
        var mount = await OverlayMount.StartAsync(lowerDir, UpperOf(real), Path.Combine(real, "work"), Path.Combine(real, "merged"), mounts);
        var workspace = new Workspace(real, lowerDir, mount, image);
        // As a container runtime does: a working folder the image lacks is made (the next change report shows it).
        if (workspace.StartDir.Length > 0) Directory.CreateDirectory(Path.Combine(workspace.Root, workspace.StartDir));
        return workspace;
    }

    /// <summary>Creates the folders (moving a legacy copy aside first); the real paths of the folder and the template.</summary>
    private static (string Folder, string? Lower) Prepare(string folder, string? lower)
    {
        var full = Path.GetFullPath(folder);
        if (lower is not null && !Directory.Exists(lower))
            throw new DirectoryNotFoundException($"The workspace template '{lower}' does not exist.");
        MoveLegacyCopy(full);
        foreach (var sub in (string[])["upper", "work", "merged"]) Directory.CreateDirectory(Path.Combine(full, sub));
        return (RealPath(full), lower is null ? null : RealPath(Path.GetFullPath(lower)));
    }

    private static Workspace Unmounted(string folder) =>
        new(folder, Directory.CreateDirectory(Path.Combine(folder, "empty")).FullName, mount: null);

    private static OverlayMount Start(string folder, string lower) =>
        OverlayMount.Start(lower, UpperOf(folder), Path.Combine(folder, "work"), Path.Combine(folder, "merged"));

    /// <summary>A workspace made before copy-on-write is a full copy of its template: it becomes the upper layer over an
    /// empty one, so a resumed old session keeps every file.</summary>
    private static void MoveLegacyCopy(string full)
    {
        if (!Directory.Exists(full) || Directory.Exists(UpperOf(full))) return;
        var moving = full + ".legacy";
        Directory.Move(full, moving);
        Directory.CreateDirectory(full);
        Directory.Move(moving, UpperOf(full));
    }

    /// <summary>The absolute path for <paramref name="path"/> inside the workspace, symlinks resolved; or
    /// <see cref="ToolFailure"/> with E_PERMISSIONS when it would leave the workspace.</summary>
    public string Resolve(string path)
    {
        if (path.Contains('\0') || path.StartsWith('~')) throw Outside(path);
        var root = Root;
        var full = !Path.IsPathRooted(path) ? Path.GetFullPath(path, Path.Combine(root, StartDir))
            : Path.GetFullPath(InTree(path, root) ?? throw Outside(path), root);
        return Follow(root, full, path, 0);
    }

    /// <summary>An absolute path (a tool's, or a symlink's target) as a path relative to the root: any path of an image's
    /// tree; under <c>/workspace</c> (or the root as this process sees it) for a template's; null for one outside.</summary>
    private string? InTree(string path, string root) => Image is not null ? "." + path : InsideSandboxPath(path, root);

    /// <summary>Walks <paramref name="full"/> from the root one name at a time; a symlink's target is followed the same way
    /// (relative to its folder, or absolute in the tree), so no chain of links can lead out.</summary>
    private string Follow(string root, string full, string shown, int depth)
    {
        if (depth > 40) throw new ToolFailure(Core.Model.ErrorCodes.Permissions, $"Too many levels of symlinks at '{shown}'.");
        if (!IsInside(root, full)) throw Outside(shown);
        var current = root;
        var parts = Path.GetRelativePath(root, full).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] == ".") continue;
            var next = Path.Combine(current, parts[i]);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                var resolved = Path.IsPathRooted(target)
                    ? InTree(target, root) is { } inside ? Path.GetFullPath(inside, root) : throw Outside(shown)
                    : Path.GetFullPath(target, current);
                var rest = string.Join(Path.DirectorySeparatorChar, parts[(i + 1)..]);
                return Follow(root, rest.Length == 0 ? resolved : Path.Combine(resolved, rest), shown, depth + 1);
            }
            current = next;
        }
        return current;
    }

    /// <summary>An absolute path under <c>/workspace</c> as a path relative to the root; null for any other.</summary>
    private static string? InsideSandboxPath(string path, string root)
    {
        if (path == SandboxPath) return ".";
        if (path.StartsWith(SandboxPath + "/", StringComparison.Ordinal)) return path[(SandboxPath.Length + 1)..];
        if (path == root || path.StartsWith(root + "/", StringComparison.Ordinal)) return Path.GetRelativePath(root, path);
        return null;
    }

    /// <summary>Refuses a FIFO, socket or device at <paramref name="full"/> (E_VALIDATION): opening one could block for
    /// ever. A missing path passes (the caller decides whether that is an error).</summary>
    public static void RequireNotSpecial(string full, string shownPath)
    {
        var kind = FileKinds.Of(full);
        if (kind.IsSpecial())
            throw new ToolFailure(Core.Model.ErrorCodes.Validation,
                $"'{shownPath}' is {kind.Describe()}, not a regular file; tools do not open special files.");
    }

    /// <summary>Workspace-relative path with '/' separators: how the journal names a file.</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>The path as the model should write it: relative to <see cref="StartDir"/> where it is below it, else (in an
    /// image) absolute.</summary>
    public string Shown(string fullPath)
    {
        var relative = Relative(fullPath);
        if (StartDir.Length == 0) return relative;
        if (relative == StartDir) return ".";
        return relative.StartsWith(StartDir + "/", StringComparison.Ordinal) ? relative[(StartDir.Length + 1)..] : "/" + (relative == "." ? "" : relative);
    }

    private static bool IsInside(string root, string full) =>
        full == root || full.StartsWith(root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static ToolFailure Outside(string path) =>
        new(Core.Model.ErrorCodes.Permissions, $"Path '{path}' is outside the workspace.");

    /// <summary>Follows symlinks component by component from the file system root, like realpath(3).</summary>
    internal static string RealPath(string path, int depth = 0)
    {
        if (depth > 40) throw new IOException($"Too many levels of symlinks at '{path}'.");
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        foreach (var part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            if (new FileInfo(next).LinkTarget is { } target)
                next = RealPath(Path.GetFullPath(target, current), depth + 1);
            current = next;
        }
        return current;
    }

    public void Dispose()
    {
        lock (_lock) _mount?.Dispose();
    }
}

/// <summary>A tool-level failure with its error code; the executor turns it into a failed <c>ToolResult</c>.</summary>
public sealed class ToolFailure(string errorCode, string message) : Exception(message)
{
    public string ErrorCode { get; } = errorCode;
}
