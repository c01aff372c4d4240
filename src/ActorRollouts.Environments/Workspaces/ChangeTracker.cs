using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Diffs;
using ActorRollouts.Environments.Files;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>What changed in a workspace, found by reading only the session's own changes: the overlay's upper folder
/// (where every write lands, by a tool or by <c>bash</c>) compared with the template at the same paths. A file is read
/// only when its stat stamps moved since the last look, so a call costs what the session changed, not what the template
/// holds; a file copied up with the template's content and mode (<c>touch</c>) is no change. Each change carries its
/// content for the journal — inline when small, else in the blob store — once per content in this session.</summary>
public sealed class ChangeTracker
{
    /// <summary>Files up to this size are read whole (text ones are diffed); larger ones are only hashed, streaming.</summary>
    public const int MaxTextBytes = 1 << 20;

    /// <summary>Contents up to this size go into the journal event itself; larger ones into the blob store.</summary>
    public const int InlineBytes = 256 * 1024;

    private readonly string _upper;
    private readonly TemplateTree _template;
    private readonly BlobStore? _blobs;
    private Dictionary<string, (FileStat Stat, FileNode Node)> _read = new(StringComparer.Ordinal);
    private readonly HashSet<string> _stored = new(StringComparer.Ordinal);
    private Dictionary<string, Node> _delta;

    public ChangeTracker(Workspace workspace, BlobStore? blobs) : this(workspace.Upper, TemplateTree.For(workspace.Lower), blobs) { }

    public ChangeTracker(string upper, TemplateTree template, BlobStore? blobs)
    {
        _upper = upper;
        _template = template;
        _blobs = blobs;
        _delta = Scan(out _);
    }

    /// <summary>Everything that changed since the last call (or since the tracker began), in path order, and the special
    /// files found among the session's entries (skipped, never read).</summary>
    public (ImmutableList<FileChange> Changes, ImmutableList<string> SpecialFiles) Track()
    {
        var now = Scan(out var special);
        var changes = ImmutableList.CreateBuilder<FileChange>();
        foreach (var path in _delta.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
        {
            var (before, after) = (Merged(_delta, path), Merged(now, path));
            if (!Same(before, after)) changes.Add(Describe(path, before, after));
        }
        _delta = now;
        return (changes.ToImmutable(), special);
    }

    private abstract record Node;

    private sealed record FileNode(string Sha, int Mode, long Bytes, string? Text) : Node;

    private sealed record LinkNode(string Target) : Node;

    private sealed record DirNode(int Mode) : Node;

    private sealed record GoneNode : Node
    {
        public static readonly GoneNode Instance = new();
    }

    /// <summary>The session's entries that differ from the template, deletions included.</summary>
    private Dictionary<string, Node> Scan(out ImmutableList<string> special)
    {
        var delta = new Dictionary<string, Node>(StringComparer.Ordinal);
        var specials = new List<string>();
        var known = _read;
        _read = new Dictionary<string, (FileStat, FileNode)>(StringComparer.Ordinal); // what is gone is forgotten
        Walk("", _upper, lowerVisible: true, delta, specials, known);
        special = [.. specials.Order(StringComparer.Ordinal)];
        return delta;
    }

    private void Walk(string relative, string folder, bool lowerVisible, Dictionary<string, Node> delta, List<string> specials,
        Dictionary<string, (FileStat Stat, FileNode Node)> known)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            var path = relative.Length == 0 ? Path.GetFileName(entry) : relative + "/" + Path.GetFileName(entry);
            var stat = FileKinds.Stat(entry);
            var lower = lowerVisible ? _template.Stat(path) : FileStat.Missing;
            switch (stat.Kind)
            {
                case FileKind.CharDevice when stat.IsWhiteout:
                    if (lower.Kind != FileKind.Missing) Gone(path, lower, delta);
                    break;
                case FileKind.Directory:
                    if (lower.Kind != FileKind.Directory || lower.Mode != stat.Mode) delta[path] = new DirNode(stat.Mode);
                    var opaque = lower.Kind == FileKind.Directory && OverlayEntries.IsOpaque(entry);
                    Walk(path, entry, lower.Kind == FileKind.Directory && !opaque, delta, specials, known);
                    if (opaque) // deleted and made again: what the template had below is gone unless made again too
                        foreach (var below in _template.Below(path))
                            if (!delta.ContainsKey(below) && !Exists(below)) delta[below] = GoneNode.Instance;
                    break;
                case FileKind.Regular:
                    var file = Read(entry, stat, known);
                    if (!(lower.Kind == FileKind.Regular && lower.Mode == file.Mode && TemplateHolds(path, file.Sha))) delta[path] = file;
                    if (lower.Kind == FileKind.Directory) GoneBelow(path, delta);
                    break;
                case FileKind.Symlink:
                    var target = new FileInfo(entry).LinkTarget!;
                    if (!(lower.Kind == FileKind.Symlink && new FileInfo(_template.PathOf(path)).LinkTarget == target)) delta[path] = new LinkNode(target);
                    if (lower.Kind == FileKind.Directory) GoneBelow(path, delta);
                    break;
                default:
                    if (stat.Kind.IsSpecial()) specials.Add($"{path} ({stat.Kind.Describe()})");
                    break;
            }
        }
    }

    private bool Exists(string relative) => FileKinds.Of(Path.Combine(_upper, relative)) != FileKind.Missing;

    private void Gone(string path, FileStat lower, Dictionary<string, Node> delta)
    {
        delta[path] = GoneNode.Instance;
        if (lower.Kind == FileKind.Directory) GoneBelow(path, delta);
    }

    private void GoneBelow(string path, Dictionary<string, Node> delta)
    {
        foreach (var below in _template.Below(path)) delta[below] = GoneNode.Instance;
    }

    /// <summary>Reads a file of the session's again only if its stamps moved since it was last read.</summary>
    private FileNode Read(string full, FileStat stat, Dictionary<string, (FileStat Stat, FileNode Node)> known)
    {
        if (known.TryGetValue(full, out var before) && before.Stat == stat)
        {
            _read[full] = before;
            return before.Node;
        }
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        FileNode node;
        if (stream.Length > MaxTextBytes)
            node = new FileNode(Convert.ToHexStringLower(SHA256.HashData(stream)), stat.Mode, stream.Length, null);
        else
        {
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            node = new FileNode(Convert.ToHexStringLower(SHA256.HashData(bytes)), stat.Mode, bytes.Length, AsText(bytes));
        }
        _read[full] = (stat, node);
        return node;
    }

    /// <summary>What the merged tree holds at <paramref name="path"/>: the session's entry, else the template's.</summary>
    private Node? Merged(Dictionary<string, Node> delta, string path)
    {
        if (delta.TryGetValue(path, out var node)) return node is GoneNode ? null : node;
        var stat = _template.Stat(path);
        return stat.Kind switch
        {
            FileKind.Regular => new FileNode(_template.Sha256(path), stat.Mode, stat.Size, null),
            FileKind.Directory => new DirNode(stat.Mode),
            FileKind.Symlink => new LinkNode(new FileInfo(_template.PathOf(path)).LinkTarget!),
            _ => null,
        };
    }

    private static bool Same(Node? a, Node? b) => (a, b) switch
    {
        (null, null) => true,
        (FileNode x, FileNode y) => x.Sha == y.Sha && x.Mode == y.Mode,
        (LinkNode x, LinkNode y) => x.Target == y.Target,
        (DirNode x, DirNode y) => x.Mode == y.Mode,
        _ => false,
    };

    private FileChange Describe(string path, Node? before, Node? after)
    {
        var kind = before is null ? FileChangeKinds.Created : after is null ? FileChangeKinds.Deleted : FileChangeKinds.Modified;
        var (oldFile, newFile) = (before as FileNode, after as FileNode);
        var entry = (after ?? before) switch
        {
            LinkNode => FileEntries.Symlink,
            DirNode => FileEntries.Directory,
            _ => null,
        };
        return new FileChange(path, kind, oldFile?.Bytes, newFile?.Bytes, Diff(path, before, after),
            newFile?.Sha ?? (after is null ? oldFile?.Sha : null), entry,
            after switch { FileNode f => f.Mode, DirNode d => d.Mode, _ => null },
            (after as LinkNode)?.Target, newFile is null ? null : Content(path, newFile));
    }

    /// <summary>A unified diff when both sides are text (or absent) and the text changed.</summary>
    private string? Diff(string path, Node? before, Node? after)
    {
        if (before is not (null or FileNode) || after is not (null or FileNode)) return null;
        var (oldText, newText) = (TextOf(path, before as FileNode), TextOf(path, after as FileNode));
        if ((before is not null && oldText is null) || (after is not null && newText is null) || oldText == newText) return null;
        return UnifiedDiff.Create(path, oldText, newText);
    }

    private string? TextOf(string path, FileNode? node) => node switch
    {
        null => null,
        { Text: { } text } => text,
        { Bytes: <= MaxTextBytes } when TemplateHolds(path, node.Sha) =>
            AsText(File.ReadAllBytes(_template.PathOf(path))),
        _ => null,
    };

    /// <summary>Whether the template has a regular file at <paramref name="path"/> with this content.</summary>
    private bool TemplateHolds(string path, string sha) => _template.Stat(path).Kind == FileKind.Regular && _template.Sha256(path) == sha;

    /// <summary>The content for the journal, unless this session stored it already or it is the template's at the path.</summary>
    private FileContent? Content(string path, FileNode file)
    {
        if (_stored.Contains(file.Sha)) return null;
        if (TemplateHolds(path, file.Sha)) return null;
        var full = Path.Combine(_upper, path);
        FileContent content;
        if (file.Bytes > InlineBytes && _blobs is not null)
        {
            _blobs.Put(file.Sha, full);
            content = new FileContent(Blob: file.Sha);
        }
        else if (file.Text is not null) content = new FileContent(Text: file.Text);
        else content = new FileContent(Base64: Convert.ToBase64String(File.ReadAllBytes(full)));
        _stored.Add(file.Sha);
        return content;
    }

    /// <summary>Text when the bytes are valid UTF-8 without NUL and small enough to diff; null for binary files.</summary>
    private static string? AsText(byte[] bytes)
    {
        if (bytes.Length > MaxTextBytes || bytes.AsSpan().Contains((byte)0)) return null;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
