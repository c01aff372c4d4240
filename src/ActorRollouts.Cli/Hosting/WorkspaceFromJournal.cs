using ActorRollouts.Core.Sessions;
using ActorRollouts.Environments.Workspaces;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Cli.Hosting;

/// <summary>A session's workspace as it was after a journal sequence number, rebuilt from the journal alone (the
/// captured template plus every journaled change), never from the live workspace folder. Used by <c>workspace</c> and
/// the viewer's file browser.</summary>
public static class WorkspaceFromJournal
{
    /// <summary>The workspace after <paramref name="at"/>, not yet written anywhere, and how many journaled changes it has
    /// over its template. <paramref name="events"/> are the session's whole journal.</summary>
    public static (WorkspaceRebuild Rebuild, int Changes) Open(JournalLocation journal, IReadOnlyList<(long Seq, ISessionEvent Event)> events, long at)
    {
        var spec = SessionState.From(events.Select(e => e.Event)).Spec
                   ?? throw new UsageException("the session has no session-started event: nothing to rebuild.");
        var paths = new FleetPaths(journal.DataDir, spec.FleetId);
        var template = spec.LowerLayer(paths.DataDir);
        var shared = journal.SharedContent;
        if (template is not null && !Directory.Exists(template) &&
            !(shared is not null && spec.TemplateHash is { } hash && TemplateArchive.TryRestore(shared, hash, paths.TemplatesDir)))
            throw new UsageException(spec.Image is { } image
                ? $"the session's image {image.Reference} ({image.Digest}) is not unpacked in {paths.ImagesDir}: a run or resume of its fleet with this data dir unpacks it."
                : $"the session's template {(spec.TemplateHash is null ? template : spec.TemplateHash[..12])} is not in {paths.TemplatesDir}.");
        var changes = WorkspaceChanges(events.Where(e => e.Seq <= at).Select(e => e.Event)).ToList();
        return (new WorkspaceRebuild(template, changes, new BlobStore(paths.BlobsDir, shared)), changes.Count);
    }

    /// <summary>Writes the tree into <paramref name="outDir"/> and returns how many journaled changes it applied over the
    /// template. A session in an image gets what differs from the image (<c>changed/</c>) and a manifest naming the image,
    /// its digest and what was deleted, unless <paramref name="full"/> asks for the whole tree.</summary>
    public static int Write(JournalLocation journal, string sessionId, IReadOnlyList<(long Seq, ISessionEvent Event)> events, long at, string outDir,
        bool full = false)
    {
        var (rebuild, changes) = Open(journal, events, at);
        var image = SessionState.From(events.Select(e => e.Event)).Spec!.Image;
        try
        {
            if (image is null || full) rebuild.WriteTree(outDir);
            else ImageChanges.Write(rebuild, image, sessionId, at, outDir);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException)
        {
            throw new UsageException($"cannot rebuild {sessionId}'s workspace: {ex.Message}"); // a blob or template gone from this data dir
        }
        return changes;
    }
}
