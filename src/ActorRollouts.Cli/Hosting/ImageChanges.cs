using System.Text.Json;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Cli.Hosting;

/// <summary><c>workspace --out</c> of a session that ran in an image: what it changed, under <c>changed/</c> at the paths the
/// image has them, and <c>manifest.json</c> naming the image by reference and digest, with what was deleted from it. The
/// image plus these is the session's tree; a few kilobytes where the whole tree would be the image again.</summary>
public static class ImageChanges
{
    public const string ManifestFile = "manifest.json";
    public const string ChangedFolder = "changed";

    public static void Write(WorkspaceRebuild rebuild, SessionImage image, string sessionId, long at, string outDir)
    {
        var changed = Path.Combine(outDir, ChangedFolder);
        var deleted = rebuild.WriteChanges(changed);
        var manifest = new
        {
            session_id = sessionId,
            at_seq = at,
            image = image.Reference,
            digest = image.Digest,
            workdir = image.StartDir,
            changed = rebuild.Net.Values.Where(c => c.Change != Core.Model.FileChangeKinds.Deleted).Select(c => c.Path).Where(p => Exists(changed, p)).ToList(),
            deleted,
        };
        File.WriteAllText(Path.Combine(outDir, ManifestFile), JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static bool Exists(string root, string path) => Environments.Files.FileKinds.Of(Path.Combine(root, path)) != Environments.Files.FileKind.Missing;
}
