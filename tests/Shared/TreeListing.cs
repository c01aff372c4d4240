using System.Security.Cryptography;
using ActorRollouts.Environments.Files;

namespace ActorRollouts.Tests.Shared;

/// <summary>A folder as one line per entry (path, kind, permission bits, content hash or link target), in path order:
/// two trees are equal byte for byte exactly when their listings are. Linked into the test projects that compare workspaces.</summary>
internal static class TreeListing
{
    public static IReadOnlyList<string> Of(string root)
    {
        var lines = new List<string>();
        Walk(root, "", lines);
        return [.. lines.Order(StringComparer.Ordinal)];
    }

    private static void Walk(string folder, string relative, List<string> lines)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder))
        {
            var path = relative.Length == 0 ? Path.GetFileName(entry) : relative + "/" + Path.GetFileName(entry);
            var stat = FileKinds.Stat(entry);
            switch (stat.Kind)
            {
                case FileKind.Directory:
                    lines.Add($"{path}/ dir {Convert.ToString(stat.Mode, 8)}");
                    Walk(entry, path, lines);
                    break;
                case FileKind.Symlink:
                    lines.Add($"{path} -> {new FileInfo(entry).LinkTarget}");
                    break;
                case FileKind.Regular:
                    lines.Add($"{path} file {Convert.ToString(stat.Mode, 8)} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry)))}");
                    break;
                default:
                    lines.Add($"{path} {stat.Kind}");
                    break;
            }
        }
    }
}
