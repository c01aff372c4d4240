using ActorRollouts.Environments.Files;

namespace ActorRollouts.Environments;

/// <summary>A session's working folder. Every path a tool touches goes through <see cref="Resolve"/>, which keeps it
/// inside <see cref="Root"/>: relative or absolute, <c>..</c> normalised, every existing symlink on the way followed.</summary>
public sealed class Workspace
{
    private Workspace(string root) => Root = root;

    /// <summary>Absolute, with its own symlinks resolved.</summary>
    public string Root { get; }

    /// <summary>Creates <paramref name="root"/> from <paramref name="template"/> (copied recursively) if it does not exist
    /// yet; an existing root (a resumed session) is kept as it is.</summary>
    public static Workspace Create(string root, string? template)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            if (template is not null && !Directory.Exists(template))
                throw new DirectoryNotFoundException($"The workspace template '{template}' does not exist.");
            var staging = full + ".copying";
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging);
            if (template is not null) CopyTree(template, staging);
            Directory.Move(staging, full); // a crash mid-copy leaves no half-made workspace behind
        }
        return new Workspace(RealPath(full));
    }

    /// <summary>The absolute path for <paramref name="path"/> inside the workspace, symlinks resolved; or
    /// <see cref="ToolFailure"/> with E_PERMISSIONS when it would leave the workspace.</summary>
    public string Resolve(string path)
    {
        if (path.Contains('\0')) throw Outside(path);
        if (path.StartsWith('~')) throw Outside(path);
        var full = Path.GetFullPath(path, Root);
        if (!IsInside(full)) throw Outside(path);

        var current = Root;
        foreach (var part in Path.GetRelativePath(Root, full).Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            current = Path.Combine(current, part);
            if (new FileInfo(current).LinkTarget is not null)
            {
                current = RealPath(current);
                if (!IsInside(current)) throw Outside(path);
            }
        }
        return current;
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

    /// <summary>Workspace-relative path with '/' separators.</summary>
    public string Relative(string fullPath) => Path.GetRelativePath(Root, fullPath).Replace(Path.DirectorySeparatorChar, '/');

    private bool IsInside(string full) =>
        full == Root || full.StartsWith(Root.EndsWith(Path.DirectorySeparatorChar) ? Root : Root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static ToolFailure Outside(string path) =>
        new(Core.Model.ErrorCodes.Permissions, $"Path '{path}' is outside the workspace.");

    /// <summary>Follows symlinks component by component from the file system root, like realpath(3), for the part
    /// that exists (the rest is appended as is). A link's target is resolved the same way, so a chain of links through
    /// linked parent folders cannot hide where a path really leads.</summary>
    private static string RealPath(string path, int depth = 0)
    {
        if (depth > 40) throw new ToolFailure(Core.Model.ErrorCodes.Permissions, $"Too many levels of symlinks at '{path}'.");
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

    /// <summary>Copies a template as <c>cp -a</c> would its entries: folders, regular files, and symlinks as symlinks with
    /// their targets unchanged — never followed, so a link to a file outside is not copied as that file's content (tools
    /// refuse it, E_PERMISSIONS), and a dangling link (real trees have them) is copied dangling instead of failing the
    /// workspace. FIFOs, sockets and devices are left out: copying one means opening it, which can block.</summary>
    private static void CopyTree(string from, string to)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var target = Path.Combine(to, Path.GetFileName(entry));
            switch (FileKinds.Of(entry))
            {
                case FileKind.Directory:
                    Directory.CreateDirectory(target);
                    CopyTree(entry, target);
                    break;
                case FileKind.Symlink:
                    File.CreateSymbolicLink(target, new FileInfo(entry).LinkTarget!);
                    break;
                case FileKind.Regular:
                    File.Copy(entry, target);
                    break;
            }
        }
    }
}

/// <summary>A tool-level failure with its error code; the executor turns it into a failed <c>ToolResult</c>.</summary>
public sealed class ToolFailure(string errorCode, string message) : Exception(message)
{
    public string ErrorCode { get; } = errorCode;
}
