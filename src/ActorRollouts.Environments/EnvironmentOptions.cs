using System.Collections.Immutable;

namespace ActorRollouts.Environments;

/// <summary>How commands are isolated: <c>bwrap</c> (bubblewrap: no network, the system read-only, only the workspace
/// writable) or <c>none</c> (a plain child process; for machines without bubblewrap, and only with trusted models).</summary>
public enum SandboxMode
{
    Bwrap,
    None,
}

/// <summary>Environment settings shared by a fleet's sessions.</summary>
/// <param name="RequireReadFirst">Tools that may only touch a file this session has read (edit_file by default).</param>
/// <param name="OutputCapBytes">Per stream (stdout, stderr) of a command; the middle of longer output is cut.</param>
public sealed record EnvironmentOptions(SandboxMode Sandbox, ImmutableHashSet<string> RequireReadFirst, int OutputCapBytes = 16_384)
{
    public static readonly EnvironmentOptions Default = new(SandboxMode.Bwrap, ["edit_file"]);
}
