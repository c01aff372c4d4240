using System.Collections.Immutable;

namespace ActorRollouts.Core.Tasks;

/// <summary>The container image a session runs in: the task's <c>image</c> as written (<paramref name="Reference"/>, a
/// local path resolved against the task file) and its <c>workdir</c>; then, once the fleet captured it, the manifest
/// <paramref name="Digest"/> its unpacked tree is kept under and the config that applies to commands in it. Journaled in
/// the plan (<c>fleet-started</c>, <c>session-started</c>), so a resume, <c>workspace --at</c> and another node all use
/// the very image the session began with.</summary>
public sealed record SessionImage(
    string Reference,
    string? Workdir = null,
    string? Digest = null,
    ImmutableList<string>? Env = null,
    string? WorkingDir = null,
    uint Uid = 0,
    uint Gid = 0)
{
    /// <summary>Where the file tools' relative paths start and commands run: the task's <c>workdir</c>, else the image's
    /// <c>WorkingDir</c>, else <c>/</c>.</summary>
    public string StartDir => Workdir ?? (string.IsNullOrEmpty(WorkingDir) ? "/" : WorkingDir);

    /// <summary>The image's unpacked tree under <paramref name="imagesDir"/> (null before capture).</summary>
    public string? RootFs(string imagesDir) => Digest is { } d ? Path.Combine(imagesDir, d.Replace(':', '-'), "rootfs") : null;
}
