using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Files;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>A workspace from the journal: the captured template plus every journaled change, in order. Either as a
/// plain folder (<c>workspace --out</c>, <c>workspace --at</c>) or as an overlay upper folder (a resumed session whose
/// workspace is gone). Contents come from the change itself, from an earlier change of the same session with the same
/// hash, from the blob store, or from the template at that path.</summary>
public sealed class WorkspaceRebuild
{
    private readonly TemplateTree? _template;
    private readonly BlobStore? _blobs;
    private readonly SortedDictionary<string, FileChange> _net = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileContent> _inline = new(StringComparer.Ordinal);

    /// <param name="template">The captured template (null: the session had none).</param>
    public WorkspaceRebuild(string? template, IEnumerable<FileChange> changes, BlobStore? blobs)
    {
        _template = template is null ? null : TemplateTree.For(template);
        _blobs = blobs;
        foreach (var change in changes)
        {
            _net[change.Path] = change;
            if (change is { Content: { Blob: null } content, Sha256: { } sha }) _inline.TryAdd(sha, content);
        }
    }

    /// <summary>Every path the session changed, with its last change.</summary>
    public IReadOnlyDictionary<string, FileChange> Net => _net;

    /// <summary>The last change of every path, in path order, each carrying its content unless the blob store or the
    /// template at that path has it: what a fork inherits, complete without the journal it came from.</summary>
    public ImmutableList<FileChange> NetChanges() =>
        [.. _net.Values.Select(c => c is { Content: null, Sha256: { } sha } && c.Change != FileChangeKinds.Deleted && _inline.TryGetValue(sha, out var content)
            ? c with { Content = content }
            : c)];

    /// <summary>What the workspace holds, without writing it anywhere: the template's entries with every change over them,
    /// in path order (the viewer's file browser; a real repository's template is never copied for it).</summary>
    public ImmutableList<WorkspaceEntry> Entries()
    {
        var entries = new SortedDictionary<string, WorkspaceEntry>(StringComparer.Ordinal);
        foreach (var path in _template?.Below("") ?? [])
        {
            var stat = _template!.Stat(path);
            entries[path] = stat.Kind switch
            {
                FileKind.Directory => new WorkspaceEntry(path, WorkspaceEntry.Folder, 0),
                FileKind.Symlink => new WorkspaceEntry(path, WorkspaceEntry.Link, 0, new FileInfo(_template.PathOf(path)).LinkTarget),
                _ => new WorkspaceEntry(path, WorkspaceEntry.File, stat.Size),
            };
        }
        foreach (var (path, change) in _net)
        {
            if (Hidden(path)) continue; // a deleted or replaced folder above took it away
            if (change.Change == FileChangeKinds.Deleted || !change.IsDirectory)
                foreach (var below in entries.Keys.Where(k => k.StartsWith(path + "/", StringComparison.Ordinal)).ToList()) entries.Remove(below);
            if (change.Change == FileChangeKinds.Deleted) entries.Remove(path);
            else entries[path] = change.IsDirectory ? new WorkspaceEntry(path, WorkspaceEntry.Folder, 0)
                : change.Entry == FileEntries.Symlink ? new WorkspaceEntry(path, WorkspaceEntry.Link, 0, change.LinkTarget)
                : new WorkspaceEntry(path, WorkspaceEntry.File, change.NewBytes ?? 0);
        }
        return [.. entries.Values];
    }

    /// <summary>The content of a regular file of <see cref="Entries"/>: from the journal (or the blob store) if the session
    /// changed it, else from the template.</summary>
    public Stream OpenFile(string path) =>
        _net.TryGetValue(path, out var change) && !Hidden(path)
            ? change.Change != FileChangeKinds.Deleted && !change.IsDirectory && change.Entry != FileEntries.Symlink
                ? OpenContent(change)
                : throw new FileNotFoundException($"'{path}' is not a file in this workspace.")
            : !Hidden(path) && _template?.Stat(path).Kind == FileKind.Regular
                ? File.OpenRead(_template.PathOf(path))
                : throw new FileNotFoundException($"'{path}' is not a file in this workspace.");

    /// <summary>Writes the whole workspace into <paramref name="folder"/> (which must be empty or missing).</summary>
    public void WriteTree(string folder)
    {
        Directory.CreateDirectory(folder);
        if (Directory.EnumerateFileSystemEntries(folder).Any()) throw new IOException($"'{folder}' is not empty.");
        if (_template is not null) CopyTemplate(_template.Root, folder);
        foreach (var (path, change) in _net)
        {
            var target = Path.Combine(folder, path);
            if (change.Change == FileChangeKinds.Deleted)
            {
                Remove(target);
                continue;
            }
            if (change.IsDirectory)
            {
                if (FileKinds.Of(target) != FileKind.Directory) Remove(target);
                Directory.CreateDirectory(target);
                continue;
            }
            Remove(target);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Write(change, target);
        }
        FixFolderModes(folder, Net.Values.Where(c => c.IsDirectory && c.Change != FileChangeKinds.Deleted));
    }

    /// <summary>Writes only what the session created or changed into <paramref name="folder"/> (which must be empty or
    /// missing), each at its path, and returns the paths it deleted from the template: what differs from an image, for
    /// <c>workspace --out</c> of a session that ran in one.</summary>
    public ImmutableList<string> WriteChanges(string folder)
    {
        Directory.CreateDirectory(folder);
        if (Directory.EnumerateFileSystemEntries(folder).Any()) throw new IOException($"'{folder}' is not empty.");
        var deleted = ImmutableList.CreateBuilder<string>();
        foreach (var (path, change) in _net)
        {
            if (Hidden(path)) continue; // below a folder that was deleted or replaced: listed as that folder
            var target = Path.Combine(folder, path);
            if (change.Change == FileChangeKinds.Deleted)
            {
                if (_template?.Stat(path).Kind is { } kind && kind != FileKind.Missing) deleted.Add(path);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (change.IsDirectory) Directory.CreateDirectory(target);
            else
            {
                if (_template?.Stat(path).Kind == FileKind.Directory) deleted.Add(path); // a folder replaced by a file
                Write(change, target);
            }
        }
        FixFolderModes(folder, Net.Values.Where(c => c.IsDirectory && c.Change != FileChangeKinds.Deleted && !Hidden(c.Path)));
        return deleted.ToImmutable();
    }

    /// <summary>Writes the session's changes as overlayfs's upper folder over the template: entries for what it created or
    /// changed, whiteouts for what it deleted.</summary>
    public void WriteUpper(string upper)
    {
        Directory.CreateDirectory(upper);
        var folders = new List<string>();
        foreach (var (path, change) in _net)
        {
            if (Hidden(path)) continue; // a deleted or replaced folder above hides it already
            var target = Path.Combine(upper, path);
            EnsureParents(upper, path, folders);
            if (change.Change == FileChangeKinds.Deleted)
            {
                if (_template?.Stat(path).Kind is { } kind && kind != FileKind.Missing) OverlayEntries.WriteWhiteout(target);
            }
            else if (change.IsDirectory)
            {
                Directory.CreateDirectory(target);
                folders.Add(path);
            }
            else Write(change, target);
        }
        foreach (var path in folders.AsEnumerable().Reverse())
            File.SetUnixFileMode(Path.Combine(upper, path), (UnixFileMode)FolderMode(path));
    }

    /// <summary>Whether an ancestor of <paramref name="path"/> was deleted or replaced by something that is not a folder.</summary>
    private bool Hidden(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
            if (_net.TryGetValue(path[..slash], out var above) && (above.Change == FileChangeKinds.Deleted || !above.IsDirectory))
                return true;
        return false;
    }

    private void EnsureParents(string upper, string path, List<string> folders)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            var parent = path[..slash];
            var full = Path.Combine(upper, parent);
            if (Directory.Exists(full)) continue;
            Directory.CreateDirectory(full);
            folders.Add(parent);
        }
    }

    private int FolderMode(string path) =>
        _net.TryGetValue(path, out var change) && change.IsDirectory && change.Mode is { } mode ? mode
        : _template?.Stat(path) is { Kind: FileKind.Directory } stat ? stat.Mode
        : 0b111_101_101;

    private void Write(FileChange change, string target)
    {
        if (change.Entry == FileEntries.Symlink)
        {
            File.CreateSymbolicLink(target, change.LinkTarget!);
            return;
        }
        using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
        using (var input = OpenContent(change))
            input.CopyTo(output);
        if (change.Mode is { } mode) File.SetUnixFileMode(target, (UnixFileMode)mode);
    }

    private Stream OpenContent(FileChange change)
    {
        var sha = change.Sha256 ?? throw new InvalidDataException($"The journaled change of '{change.Path}' has no content hash.");
        var content = change.Content ?? _inline.GetValueOrDefault(sha);
        if (content?.Text is { } text) return new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        if (content?.Base64 is { } base64) return new MemoryStream(Convert.FromBase64String(base64));
        if (_blobs?.Has(sha) == true) return _blobs.Open(sha);
        if (_template?.Stat(change.Path) is { Kind: FileKind.Regular } && _template.Sha256(change.Path) == sha)
            return File.OpenRead(_template.PathOf(change.Path));
        throw new InvalidDataException(
            $"The content of '{change.Path}' ({sha[..12]}…) is neither in the journal, the blob store ({_blobs?.Folder ?? "none"}) nor the template.");
    }

    private static void Remove(string target)
    {
        switch (FileKinds.Of(target))
        {
            case FileKind.Missing:
                return;
            case FileKind.Directory:
                Directory.Delete(target, recursive: true);
                return;
            default:
                File.Delete(target);
                return;
        }
    }

    /// <summary>Folder modes last, deepest first, so a read-only folder does not stop its own contents being written.</summary>
    private static void FixFolderModes(string folder, IEnumerable<FileChange> folders)
    {
        foreach (var change in folders.OrderByDescending(c => c.Path, StringComparer.Ordinal))
            if (change.Mode is { } mode) File.SetUnixFileMode(Path.Combine(folder, change.Path), (UnixFileMode)mode);
    }

    private static void CopyTemplate(string from, string to)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from))
        {
            var target = Path.Combine(to, Path.GetFileName(entry));
            var stat = FileKinds.Stat(entry);
            switch (stat.Kind)
            {
                case FileKind.Directory:
                    Directory.CreateDirectory(target);
                    CopyTemplate(entry, target);
                    File.SetUnixFileMode(target, (UnixFileMode)stat.Mode);
                    break;
                case FileKind.Symlink:
                    File.CreateSymbolicLink(target, new FileInfo(entry).LinkTarget!);
                    break;
                case FileKind.Regular:
                    File.Copy(entry, target);
                    File.SetUnixFileMode(target, (UnixFileMode)stat.Mode);
                    break;
            }
        }
    }
}

/// <summary>An entry of a rebuilt workspace: <see cref="Kind"/> is <c>file</c>, <c>dir</c> or <c>symlink</c> (with its
/// <see cref="Target"/>, never followed).</summary>
public sealed record WorkspaceEntry(string Path, string Kind, long Size, string? Target = null)
{
    public const string File = "file";
    public const string Folder = "dir";
    public const string Link = "symlink";
}
