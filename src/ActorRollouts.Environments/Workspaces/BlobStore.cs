namespace ActorRollouts.Environments.Workspaces;

/// <summary>Content-addressed file contents too large to journal inline: <c>blobs/ab/abcdef…</c> (SHA-256), written once
/// whatever the number of sessions or fleets that produce the same content. Journal events reference them by hash.
/// With <paramref name="shared"/> (a journal in PostgreSQL), each blob is also stored there, and one missing here is
/// fetched from there: the folder is then only this machine's cache.</summary>
public sealed class BlobStore(string folder, ISharedContent? shared = null)
{
    public string Folder { get; } = folder;

    public string PathOf(string sha256) => Path.Combine(Folder, sha256[..2], sha256);

    /// <summary>True if the content is here, or in the shared content to fetch from.</summary>
    public bool Has(string sha256) => File.Exists(PathOf(sha256)) || shared?.Has(KeyOf(sha256)) == true;

    /// <summary>Stores a copy of <paramref name="source"/> under its hash, unless that content is stored already. Written
    /// to a temporary name first, so a blob is never seen half written.</summary>
    public void Put(string sha256, string source)
    {
        var target = PathOf(sha256);
        if (File.Exists(target)) return;
        Place(target, staging => File.Copy(source, staging));
        shared?.Publish(KeyOf(sha256), target);
    }

    /// <summary>Stores <paramref name="content"/> under its SHA-256 (computed here) unless it is stored already; returns the hash.</summary>
    public string Put(ReadOnlySpan<byte> content)
    {
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));
        var target = PathOf(sha256);
        if (File.Exists(target)) return sha256;
        var copy = content.ToArray();
        Place(target, staging => File.WriteAllBytes(staging, copy));
        shared?.Publish(KeyOf(sha256), target);
        return sha256;
    }

    public Stream Open(string sha256)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path) && shared is not null)
            Place(path, staging =>
            {
                if (!shared.TryFetch(KeyOf(sha256), staging))
                    throw new FileNotFoundException($"The content {sha256[..12]}… is referenced by the journal but neither in '{Folder}' nor in the journal's database.");
            });
        return File.Exists(path) ? File.OpenRead(path)
            : throw new FileNotFoundException($"The content {sha256[..12]}… is referenced by the journal but not in the blob store '{Folder}'.");
    }

    private static string KeyOf(string sha256) => "blob-" + sha256;

    /// <summary>Writes <paramref name="target"/> through a staging file, so it is never seen half written; another
    /// writer of the same content may win the race, which is fine.</summary>
    private static void Place(string target, Action<string> write)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var staging = $"{target}.{Environment.ProcessId}.{Guid.NewGuid():n}.part";
        try
        {
            write(staging);
            File.Move(staging, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            // another session stored it meanwhile
        }
        finally
        {
            if (File.Exists(staging)) File.Delete(staging);
        }
    }
}
