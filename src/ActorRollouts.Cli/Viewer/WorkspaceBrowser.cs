using System.Collections.Immutable;
using System.Text;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Cli.Viewer;

/// <summary>A session's workspace at a journal sequence number, from the journal (the <c>workspace</c> command's way) but
/// never written anywhere: the listing is the captured template's entries with the session's changes over them, and a
/// file is read from the journal (or blob store) if the session changed it, else from the template. Symlinks are listed
/// with their target and never followed. The newest few workspaces asked for are kept, so clicking through files is
/// one journal read.</summary>
public sealed class WorkspaceBrowser(ViewerJournal journal)
{
    /// <summary>Files larger than this are shown cut, with their size.</summary>
    public const int MaxShownBytes = 1 << 20;

    private const int Kept = 8;

    private readonly Lock _gate = new();
    private readonly LinkedList<WorkspaceListing> _recent = [];

    public sealed record WorkspaceListing(string SessionId, long At, long LastSeq, ImmutableList<WorkspaceEntry> Entries, WorkspaceRebuild Rebuild);

    public sealed record FileView(string Path, long Size, string? Text, bool Binary, bool Truncated);

    /// <summary>The workspace after <paramref name="at"/> (null: the end); null when the session has no journal.</summary>
    public async Task<WorkspaceListing?> ListAsync(string sessionId, long? at)
    {
        lock (_gate)
            if (_recent.FirstOrDefault(l => l.SessionId == sessionId && l.At == at) is { } known) return known;
        var events = await journal.SessionEventsAsync(sessionId);
        if (events.IsEmpty) return null;
        var last = events[^1].Seq;
        var step = Math.Clamp(at ?? last, 0, last);
        var (rebuild, _) = WorkspaceFromJournal.Open(journal.Location, events, step);
        var listing = new WorkspaceListing(sessionId, step, last, rebuild.Entries(), rebuild);
        lock (_gate)
        {
            _recent.AddFirst(listing);
            while (_recent.Count > Kept) _recent.RemoveLast();
        }
        return listing;
    }

    /// <summary>A regular file of the listing, as text (UTF-8) or marked binary, its first <see cref="MaxShownBytes"/>
    /// only; null when the listing has no such file.</summary>
    public static async Task<FileView?> ReadAsync(WorkspaceListing listing, string path)
    {
        var entry = listing.Entries.FirstOrDefault(e => e.Path == path && e.Kind == WorkspaceEntry.File);
        if (entry is null) return null;
        await using var stream = listing.Rebuild.OpenFile(path);
        var buffer = new byte[MaxShownBytes];
        var read = 0;
        for (int n; read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read))) > 0;) read += n;
        var shown = buffer.AsSpan(0, read);
        var binary = shown.Contains((byte)0);
        return new FileView(path, entry.Size, binary ? null : Encoding.UTF8.GetString(shown), binary, entry.Size > read);
    }
}
