using System.Collections.Concurrent;
using System.Security.Cryptography;
using ActorRollouts.Environments.Files;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>A captured template, read-only and shared by every session over it: what is at a path, and (computed once,
/// when first asked) a file's SHA-256 and text. Change tracking asks only about the paths a session changed, so a large
/// template costs nothing per call.</summary>
public sealed class TemplateTree
{
    private static readonly ConcurrentDictionary<string, TemplateTree> Trees = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, FileStat> _stats = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _hashes = new(StringComparer.Ordinal);

    private TemplateTree(string root) => Root = root;

    public string Root { get; }

    /// <summary>One instance per folder in this process, so its hashes are computed once for all sessions.</summary>
    public static TemplateTree For(string root) => Trees.GetOrAdd(root, r => new TemplateTree(r));

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public FileStat Stat(string relative) => _stats.GetOrAdd(relative, r => FileKinds.Stat(PathOf(r)));

    public string Sha256(string relative) => _hashes.GetOrAdd(relative, r =>
    {
        using var stream = File.OpenRead(PathOf(r));
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    });

    /// <summary>Every entry below a folder (not the folder itself), special files left out, parents before children.</summary>
    public IEnumerable<string> Below(string relative)
    {
        var folder = PathOf(relative);
        if (Stat(relative).Kind != FileKind.Directory) yield break;
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            var child = relative.Length == 0 ? Path.GetFileName(entry) : relative + "/" + Path.GetFileName(entry);
            var kind = Stat(child).Kind;
            if (kind.IsSpecial() || kind == FileKind.Missing) continue;
            yield return child;
            if (kind == FileKind.Directory)
                foreach (var below in Below(child)) yield return below;
        }
    }
}
