using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Images;
using ActorRollouts.Environments;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Actors.Environments;

/// <summary>What a session's workspace is made from: the captured template (<paramref name="Template"/>, null for none)
/// and, if that copy is gone, the folder it was captured from and its hash; the blob store; and the session's journaled
/// changes, read only when the workspace must be rebuilt: it is gone and <paramref name="HasJournaledChanges"/>, or
/// <paramref name="Restore"/> asks for the workspace as the journal has it (a call that may have written was cut, and
/// what it changed was never journaled). <paramref name="Shared"/> is the journal's shared content, where a missing
/// template is looked for first (a session resumed on another machine). With <paramref name="Image"/>, <paramref name="Template"/>
/// is the image's unpacked tree, captured again from the image's reference if it is missing (the digest must match).</summary>
public sealed record WorkspaceSource(
    string? Template, string? Origin, string? TemplateHash, BlobStore? Blobs, Func<Task<IReadOnlyList<FileChange>>> JournaledChanges,
    bool HasJournaledChanges, bool Restore = false, ISharedContent? Shared = null, SessionImage? Image = null,
    IReadOnlyCollection<string>? InsecureRegistries = null)
{
    /// <summary>Opens the session's workspace at <paramref name="folder"/>, first bringing back a missing template (from
    /// the shared content, else by capturing its source again if that still has the same content) and rebuilding a
    /// missing workspace from the journal.</summary>
    public async Task<Workspace> OpenAsync(string folder)
    {
        if (Image is not null && Template is not null && !Directory.Exists(Template)) await BringBackImageAsync(Image, Template, InsecureRegistries);
        else if (TemplateHash is { } hash && Template is not null && !Directory.Exists(Template)) await WorkspaceThreads.Run(() => BringBackTemplate(hash));
        var changes = Restore || (!Directory.Exists(folder) && HasJournaledChanges) ? await JournaledChanges() : null;
        // The folder work on a workspace thread; the mount itself is awaited, so that thread goes on to the next session.
        return await await WorkspaceThreads.Run(() =>
        {
            if (changes is not null) Rebuild(folder, changes);
            return Workspace.OpenAsync(folder, Template, Image);
        });
    }

    private void Rebuild(string folder, IReadOnlyList<FileChange> changes)
    {
        var staging = folder + ".rebuilding";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        new WorkspaceRebuild(Template, changes, Blobs).WriteUpper(Workspace.UpperOf(staging));
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(staging, folder); // never half a workspace: a crash before this leaves it missing, rebuilt next time
    }

    /// <summary>A session resumed where its image was never unpacked (another node, a new data dir) gets it again from its
    /// reference, which must still name the same manifest.</summary>
    private static async Task BringBackImageAsync(SessionImage image, string rootFs, IReadOnlyCollection<string>? insecureRegistries)
    {
        var imagesDir = Path.GetDirectoryName(Path.GetDirectoryName(rootFs)!)!;
        var captured = await new ImageStore(imagesDir, long.MaxValue, insecureRegistries).CaptureAsync(ImageReference.Parse(image.Reference, "/"));
        if (captured.Digest != image.Digest)
            throw new InvalidDataException(
                $"The session's image {image.Reference} is not unpacked in '{imagesDir}', and the reference now names another image ({captured.Digest[..19]}, not {image.Digest?[..19]}).");
    }

    private void BringBackTemplate(string hash)
    {
        if (Shared is not null && TemplateArchive.TryRestore(Shared, hash, Path.GetDirectoryName(Template)!)) return;
        if (Origin is null || !Directory.Exists(Origin))
            throw new DirectoryNotFoundException($"The captured template {hash[..12]} is missing from '{Path.GetDirectoryName(Template)}' and its source '{Origin}' is gone.");
        var captured = TemplateCapture.Capture(Origin, Path.GetDirectoryName(Template)!);
        if (captured.Hash != hash)
            throw new InvalidDataException(
                $"The captured template {hash[..12]} is missing from '{Path.GetDirectoryName(Template)}', and '{Origin}' has changed since (now {captured.Hash[..12]}); copy the data dir's templates/ folder back.");
    }
}
