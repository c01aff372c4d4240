namespace ActorRollouts.Environments.Workspaces;

/// <summary>Content-addressed file contents too large to journal inline: <c>blobs/ab/abcdef…</c> (SHA-256), written once
/// whatever the number of sessions or fleets that produce the same content. Journal events reference them by hash.</summary>
public sealed class BlobStore(string folder)
{
    public string Folder { get; } = folder;

    public string PathOf(string sha256) => Path.Combine(Folder, sha256[..2], sha256);

    public bool Has(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>Stores a copy of <paramref name="source"/> under its hash, unless that content is stored already. Written
    /// to a temporary name first, so a blob is never seen half written.</summary>
    public void Put(string sha256, string source)
    {
        var target = PathOf(sha256);
        if (File.Exists(target)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var staging = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():n}.part";
        File.Copy(source, staging);
        try
        {
            File.Move(staging, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            File.Delete(staging); // another session stored it meanwhile
        }
    }

    public Stream Open(string sha256) =>
        File.Exists(PathOf(sha256)) ? File.OpenRead(PathOf(sha256))
        : throw new FileNotFoundException($"The content {sha256[..12]}… is referenced by the journal but not in the blob store '{Folder}'.");
}
