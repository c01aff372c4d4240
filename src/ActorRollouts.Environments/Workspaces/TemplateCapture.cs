using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ActorRollouts.Environments.Files;

namespace ActorRollouts.Environments.Workspaces;

/// <summary>A template captured for a fleet: its content hash and where the immutable copy lives.</summary>
/// <param name="SpecialFiles">FIFOs, sockets and devices left out, as <c>path (kind)</c>.</param>
public sealed record CapturedTemplate(string Hash, string Folder, int Files, long Bytes, ImmutableList<string> SpecialFiles);

/// <summary>Copies a task's template once into <c>templates/&lt;hash&gt;/</c>, where every session of every fleet with
/// that content shares it read-only as its overlay's lower layer: later edits to the source folder cannot reach a fleet
/// that already started, and a resume finds the very tree its sessions began with. The hash covers every entry's path,
/// kind, permission bits and content (a symlink's target), so equal trees share one copy. Symlinks are copied as
/// symlinks, never followed (a link to a file outside stays a link, and a dangling one stays dangling); FIFOs, sockets
/// and devices are left out, since copying one means opening it.</summary>
public static class TemplateCapture
{
    public static CapturedTemplate Capture(string source, string templatesDir)
    {
        if (!Directory.Exists(source)) throw new DirectoryNotFoundException($"The workspace template '{source}' does not exist.");
        Directory.CreateDirectory(templatesDir);
        var staging = Path.Combine(templatesDir, $".capturing-{Environment.ProcessId}-{Guid.NewGuid():n}");
        Directory.CreateDirectory(staging);
        var listing = new StringBuilder();
        var special = new List<string>();
        var (files, bytes) = (0, 0L);
        try
        {
            Copy(source, staging, "", listing, special, ref files, ref bytes);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString())));
            var folder = Path.Combine(templatesDir, hash);
            if (Directory.Exists(folder)) Directory.Delete(staging, recursive: true);
            else
            {
                File.SetUnixFileMode(staging, File.GetUnixFileMode(source));
                try
                {
                    Directory.Move(staging, folder);
                }
                catch (IOException) when (Directory.Exists(folder))
                {
                    Directory.Delete(staging, recursive: true); // captured by another process meanwhile
                }
            }
            return new CapturedTemplate(hash, folder, files, bytes, [.. special]);
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Entries in name order, so the listing (and the hash) does not depend on the order the disk returns them.</summary>
    private static void Copy(string from, string to, string relative, StringBuilder listing, List<string> special, ref int files, ref long bytes)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(from).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            var path = relative.Length == 0 ? name : relative + "/" + name;
            var target = Path.Combine(to, name);
            var stat = FileKinds.Stat(entry);
            switch (stat.Kind)
            {
                case FileKind.Directory:
                    Directory.CreateDirectory(target);
                    listing.Append($"d {stat.Mode:x} {path}\n");
                    Copy(entry, target, path, listing, special, ref files, ref bytes);
                    File.SetUnixFileMode(target, (UnixFileMode)stat.Mode);
                    break;
                case FileKind.Symlink:
                    var link = new FileInfo(entry).LinkTarget!;
                    File.CreateSymbolicLink(target, link);
                    listing.Append($"l {path}\0{link}\n");
                    break;
                case FileKind.Regular:
                    listing.Append($"f {stat.Mode:x} {CopyHashing(entry, target)} {path}\n");
                    File.SetUnixFileMode(target, (UnixFileMode)stat.Mode);
                    files++;
                    bytes += stat.Size;
                    break;
                default:
                    if (stat.Kind.IsSpecial()) special.Add($"{path} ({stat.Kind.Describe()})");
                    break;
            }
        }
    }

    private static string CopyHashing(string from, string to)
    {
        using var input = new FileStream(from, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        using var output = new FileStream(to, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = input.Read(buffer)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            output.Write(buffer, 0, read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
