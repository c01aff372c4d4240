namespace ActorRollouts.Core.Model;

/// <summary>Kinds of <see cref="FileChange"/>.</summary>
public static class FileChangeKinds
{
    public const string Created = "created";
    public const string Modified = "modified";
    public const string Deleted = "deleted";
}

/// <summary>One workspace file a tool call created, modified or deleted. Text files carry a unified diff; binary ones
/// (and very large ones) their size and SHA-256 only.</summary>
public sealed record FileChange(string Path, string Change, long? OldBytes, long? NewBytes, string? Diff, string? Sha256);
