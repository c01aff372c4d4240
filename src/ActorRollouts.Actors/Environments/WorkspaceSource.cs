using ActorRollouts.Core.Model;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Actors.Environments;

/// <summary>What a session's workspace is made from: the captured template (<paramref name="Template"/>, null for none)
/// and, if that copy is gone, the folder it was captured from and its hash; the blob store; and the session's journaled
/// changes, read only when the workspace itself is gone and must be rebuilt.</summary>
public sealed record WorkspaceSource(
    string? Template, string? Origin, string? TemplateHash, BlobStore? Blobs, Func<Task<IReadOnlyList<FileChange>>>? JournaledChanges)
{
    /// <summary>Opens the session's workspace at <paramref name="folder"/>, first recapturing a missing template (only if
    /// its source still has the same content) and rebuilding a missing workspace from the journal.</summary>
    public async Task<Workspace> OpenAsync(string folder)
    {
        if (TemplateHash is { } hash && Template is not null && !Directory.Exists(Template)) Recapture(hash);
        if (!Directory.Exists(folder) && JournaledChanges is not null)
        {
            var changes = await JournaledChanges();
            if (changes.Count > 0)
            {
                var staging = folder + ".rebuilding";
                if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
                new WorkspaceRebuild(Template, changes, Blobs).WriteUpper(Workspace.UpperOf(staging));
                Directory.Move(staging, folder); // a crash mid-rebuild leaves no half-made workspace behind
            }
        }
        return Workspace.Open(folder, Template);
    }

    private void Recapture(string hash)
    {
        if (Origin is null || !Directory.Exists(Origin))
            throw new DirectoryNotFoundException($"The captured template {hash[..12]} is missing from '{Path.GetDirectoryName(Template)}' and its source '{Origin}' is gone.");
        var captured = TemplateCapture.Capture(Origin, Path.GetDirectoryName(Template)!);
        if (captured.Hash != hash)
            throw new InvalidDataException(
                $"The captured template {hash[..12]} is missing from '{Path.GetDirectoryName(Template)}', and '{Origin}' has changed since (now {captured.Hash[..12]}); copy the data dir's templates/ folder back.");
    }
}
