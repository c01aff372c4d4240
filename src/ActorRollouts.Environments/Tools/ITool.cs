using System.Collections.Concurrent;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary>A tool the model can call. Implementations throw <see cref="ToolFailure"/> for problems the model should
/// read (missing file, ambiguous edit); the executor turns everything else into E_INTERNAL.</summary>
public interface ITool
{
    ToolSpec Spec { get; }

    /// <summary>Safe to run again after a crash (reads only): resume re-runs it instead of answering E_INTERRUPTED.</summary>
    bool Idempotent { get; }

    Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement arguments, ToolContext context, CancellationToken cancellationToken);
}

/// <summary>What a tool call runs against: the workspace, the environment's settings, what the session has read, and the
/// blob store (where an MCP tool's images go).</summary>
public sealed class ToolContext(Workspace workspace, EnvironmentOptions options, Workspaces.BlobStore? blobs = null)
{
    public Workspaces.BlobStore? Blobs { get; } = blobs;

    private readonly ConcurrentDictionary<string, bool> _read = new();

    public Workspace Workspace { get; } = workspace;

    public EnvironmentOptions Options { get; } = options;

    public void MarkRead(string relativePath) => _read[relativePath] = true;

    public bool HasRead(string relativePath) => _read.ContainsKey(relativePath);
}
