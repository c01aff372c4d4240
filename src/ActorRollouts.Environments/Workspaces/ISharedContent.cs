namespace ActorRollouts.Environments.Workspaces;

/// <summary>Content-addressed files every machine of a shared journal can reach (the journal's own database): captured
/// templates and large file contents, so a session's workspace can be rebuilt on a machine that never saw them.
/// Implementations block; call them off actor threads.</summary>
public interface ISharedContent
{
    /// <summary>True if <paramref name="key"/> is stored.</summary>
    bool Has(string key);

    /// <summary>Stores <paramref name="sourceFile"/>'s bytes under <paramref name="key"/>, unless something is stored
    /// under it already (a key names its content, so the first copy is as good as any).</summary>
    void Publish(string key, string sourceFile);

    /// <summary>Writes the content stored under <paramref name="key"/> to <paramref name="targetFile"/>; false if there
    /// is none.</summary>
    bool TryFetch(string key, string targetFile);
}
