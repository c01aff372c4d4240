using System.Collections.Immutable;
using ActorRollouts.Environments.Sandbox;

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
/// <param name="MaxCommandSeconds">The longest <c>timeout_s</c> a <c>bash</c> call may ask for (the environment's tool
/// timeout): the tool's schema says so, and a larger one is refused with E_VALIDATION.</param>
/// <param name="Limits">What each command (bash call, grader) may use.</param>
/// <param name="Ceiling">What all the process's commands may use together.</param>
public sealed record EnvironmentOptions(
    SandboxMode Sandbox,
    ImmutableHashSet<string> RequireReadFirst,
    int OutputCapBytes = 16_384,
    int MaxCommandSeconds = 120,
    CommandLimits? Limits = null,
    CommandCeiling? Ceiling = null)
{
    public static readonly EnvironmentOptions Default = new(SandboxMode.Bwrap, ["edit_file"]);

    public CommandLimits CommandLimits => Limits ?? CommandLimits.Default;

    /// <summary>What all commands of the process may use together (<see cref="CommandCeiling"/>).</summary>
    public CommandCeiling CommandCeiling => Ceiling ?? CommandCeiling.ForThisHost();
}
