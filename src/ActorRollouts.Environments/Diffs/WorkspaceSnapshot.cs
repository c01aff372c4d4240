using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Files;

namespace ActorRollouts.Environments.Diffs;

/// <summary>Every regular file of a workspace at one moment: size, SHA-256 and, for text files up to
/// <see cref="MaxTextBytes"/>, the text. Comparing two snapshots gives the files a tool call created, modified or deleted —
/// whatever the tool was, a file tool or an arbitrary <c>bash</c> command. Symlinks are not followed. FIFOs, sockets and
/// devices are never opened (reading a FIFO blocks until someone writes to it): they are listed in
/// <see cref="SpecialFiles"/> instead.</summary>
public sealed class WorkspaceSnapshot
{
    public const int MaxTextBytes = 1 << 20;

    private sealed record FileState(long Bytes, string Sha256, string? Text);

    private readonly ImmutableDictionary<string, FileState> _files;

    private WorkspaceSnapshot(ImmutableDictionary<string, FileState> files, ImmutableList<string> specialFiles)
    {
        _files = files;
        SpecialFiles = specialFiles;
    }

    /// <summary>Special files seen and skipped, as <c>path (kind)</c>, in path order.</summary>
    public ImmutableList<string> SpecialFiles { get; }

    public static WorkspaceSnapshot Take(Workspace workspace)
    {
        var files = ImmutableDictionary.CreateBuilder<string, FileState>();
        var special = new List<string>();
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        foreach (var path in Directory.EnumerateFiles(workspace.Root, "*", options))
        {
            var kind = FileKinds.Of(path);
            if (kind.IsSpecial()) special.Add($"{workspace.Relative(path)} ({kind.Describe()})");
            if (kind != FileKind.Regular) continue;
            try
            {
                files[workspace.Relative(path)] = Read(path);
            }
            catch (IOException)
            {
                continue; // vanished or locked while we looked: the next snapshot will tell
            }
        }
        return new WorkspaceSnapshot(files.ToImmutable(), [.. special.Order(StringComparer.Ordinal)]);
    }

    /// <summary>A file small enough to diff is read whole; a larger one is only hashed, a block at a time, so a command
    /// that wrote a file of gigabytes does not make us hold it in memory.</summary>
    private static FileState Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        if (stream.Length > MaxTextBytes) return new FileState(stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)), null);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return new FileState(bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)), AsText(bytes));
    }

    /// <summary>What changed from this snapshot to <paramref name="after"/>, in path order.</summary>
    public ImmutableList<FileChange> ChangesTo(WorkspaceSnapshot after)
    {
        var changes = ImmutableList.CreateBuilder<FileChange>();
        foreach (var path in _files.Keys.Union(after._files.Keys).Order(StringComparer.Ordinal))
        {
            var (before, now) = (_files.GetValueOrDefault(path), after._files.GetValueOrDefault(path));
            if (before is not null && now is not null && before.Sha256 == now.Sha256) continue;
            var kind = before is null ? FileChangeKinds.Created : now is null ? FileChangeKinds.Deleted : FileChangeKinds.Modified;
            var textual = (before is null || before.Text is not null) && (now is null || now.Text is not null);
            var diff = textual ? UnifiedDiff.Create(path, before?.Text, now?.Text) : null;
            changes.Add(new FileChange(path, kind, before?.Bytes, now?.Bytes, diff, now?.Sha256 ?? before?.Sha256));
        }
        return changes.ToImmutable();
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
