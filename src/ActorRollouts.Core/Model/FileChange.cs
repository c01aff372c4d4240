namespace ActorRollouts.Core.Model;

/// <summary>Kinds of <see cref="FileChange"/>.</summary>
public static class FileChangeKinds
{
    public const string Created = "created";
    public const string Modified = "modified";
    public const string Deleted = "deleted";
}

/// <summary>What a <see cref="FileChange"/> is about, when not a regular file.</summary>
public static class FileEntries
{
    public const string Symlink = "symlink";
    public const string Directory = "directory";
}

/// <summary>One workspace entry a tool call created, modified or deleted: enough to show it (text files carry a unified
/// diff) and to rebuild the workspace from the journal — the new entry's permission bits, a symlink's target and the
/// content. <paramref name="Entry"/> is null for a regular file. <paramref name="Content"/> is null where the content is
/// known already: stored earlier in the session's journal, or the template's content at that path.</summary>
public sealed record FileChange(
    string Path, string Change, long? OldBytes, long? NewBytes, string? Diff, string? Sha256,
    string? Entry = null, int? Mode = null, string? LinkTarget = null, FileContent? Content = null)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDirectory => Entry == FileEntries.Directory;
}

/// <summary>A file's content in the journal: inline as UTF-8 <paramref name="Text"/> or <paramref name="Base64"/>, or by
/// hash in the data dir's blob store (<paramref name="Blob"/>, for large files).</summary>
public sealed record FileContent(string? Text = null, string? Base64 = null, string? Blob = null);
