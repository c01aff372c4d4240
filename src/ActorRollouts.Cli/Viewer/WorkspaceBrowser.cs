using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using ActorRollouts.Cli.Hosting;

namespace ActorRollouts.Cli.Viewer;

/// <summary>A session's workspace at a journal sequence number, rebuilt from the journal (the <c>workspace</c> command's
/// way) into a folder of the viewer's own, once per session and step, and browsed there. Symlinks are listed with their
/// target and never followed, so nothing outside the workspace can be read through one.</summary>
public sealed class WorkspaceBrowser(ViewerJournal journal, string root) : IDisposable
{
    /// <summary>Files larger than this are shown cut, with their size.</summary>
    public const int MaxShownBytes = 1 << 20;

    private readonly ConcurrentDictionary<string, Lazy<Task<WorkspaceListing>>> _listings = new(StringComparer.Ordinal);

    public sealed record Entry(string Path, string Kind, long Size, string? Target = null);

    public sealed record WorkspaceListing(string SessionId, long At, long LastSeq, ImmutableList<Entry> Entries, string Folder);

    public sealed record FileView(string Path, long Size, string? Text, bool Binary, bool Truncated);

    /// <summary>The workspace after <paramref name="at"/> (null: the end); null when the session has no journal.</summary>
    public async Task<WorkspaceListing?> ListAsync(string sessionId, long? at)
    {
        var events = await journal.SessionEventsAsync(sessionId);
        if (events.IsEmpty) return null;
        var last = events[^1].Seq;
        var step = Math.Clamp(at ?? last, 0, last);
        var folder = Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{sessionId}\n{step}")))[..24]);
        var listing = _listings.GetOrAdd(folder, _ => new Lazy<Task<WorkspaceListing>>(() => Task.Run(() =>
        {
            var building = folder + ".building";
            if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
            WorkspaceFromJournal.Write(journal.Location, events, step, building);
            Directory.Move(building, folder);
            return new WorkspaceListing(sessionId, step, last, [.. Walk(folder, "")], folder);
        })));
        try
        {
            return await listing.Value;
        }
        catch
        {
            _listings.TryRemove(folder, out _); // a failed rebuild (a blob missing) may succeed once the data is back
            throw;
        }
    }

    /// <summary>A regular file of the listing, as text (UTF-8) or marked binary; null when the listing has no such file.</summary>
    public static FileView? Read(WorkspaceListing listing, string path)
    {
        var entry = listing.Entries.FirstOrDefault(e => e.Path == path && e.Kind == "file");
        if (entry is null) return null;
        using var stream = File.OpenRead(Path.Combine(listing.Folder, path));
        var buffer = new byte[Math.Min(entry.Size, MaxShownBytes)];
        stream.ReadExactly(buffer);
        var binary = Array.IndexOf(buffer, (byte)0) >= 0;
        return new FileView(path, entry.Size, binary ? null : Encoding.UTF8.GetString(buffer), binary, entry.Size > MaxShownBytes);
    }

    private static IEnumerable<Entry> Walk(string folder, string prefix)
    {
        foreach (var info in new DirectoryInfo(Path.Combine(folder, prefix)).EnumerateFileSystemInfos().OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            var path = prefix.Length == 0 ? info.Name : $"{prefix}/{info.Name}";
            if (info.LinkTarget is { } target) yield return new Entry(path, "symlink", 0, target);
            else if (info is DirectoryInfo)
            {
                yield return new Entry(path, "dir", 0);
                foreach (var inner in Walk(folder, path)) yield return inner;
            }
            else if (info is FileInfo file && (file.Attributes & FileAttributes.Device) == 0) yield return new Entry(path, "file", file.Length);
        }
    }

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind is harmless
        }
    }
}
