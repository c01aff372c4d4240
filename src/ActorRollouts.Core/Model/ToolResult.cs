using System.Collections.Immutable;
using System.Text.Json;

namespace ActorRollouts.Core.Model;

/// <summary>The outcome of one tool call: what the model sees (<paramref name="Content"/>) and the metadata
/// training analysis needs (error code, diffs, changed files, per-tool data).</summary>
public sealed record ToolResult(
    bool Ok,
    string Name,
    string Content,
    string ToolCallId,
    string? ErrorCode = null,
    ImmutableList<FileDiff>? Diffs = null,
    ImmutableList<string>? FilesChanged = null,
    ImmutableSortedDictionary<string, JsonElement>? Data = null)
{
    public static ToolResult Success(ToolCall call, string content,
        ImmutableList<FileDiff>? diffs = null, ImmutableList<string>? filesChanged = null,
        ImmutableSortedDictionary<string, JsonElement>? data = null) =>
        new(true, call.Name, content, call.Id, null, diffs, filesChanged, data);

    public static ToolResult Failure(ToolCall call, string errorCode, string message) =>
        new(false, call.Name, $"Error [{errorCode}]: {message}", call.Id, errorCode);

    /// <summary>The <see cref="Data"/> key under which a tool that showed the model a whole file (it read or wrote it)
    /// names it, workspace-relative: <c>requires_read_first</c> then lets the session change it, across resumes too.</summary>
    public const string SeenPathKey = "seen_path";

    /// <summary>The file this successful call showed the model, or null. Read from <see cref="Data"/>, never stored twice.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string? SeenPath => Ok && Data is { } data && data.TryGetValue(SeenPathKey, out var path) && path.ValueKind == JsonValueKind.String
        ? path.GetString()
        : null;
}

/// <summary>A unified diff of one workspace file (<c>--- a/p</c>, <c>+++ b/p</c>, <c>@@</c> hunks).</summary>
public sealed record FileDiff(string Path, string Diff);

/// <summary>A tool as advertised to the model. <paramref name="ParametersSchema"/> is a JSON schema object.</summary>
public sealed record ToolSpec(string Name, string Description, JsonElement ParametersSchema);
