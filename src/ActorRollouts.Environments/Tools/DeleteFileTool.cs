using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>delete_file {path}</c>. Needs confirmation by default (see the confirmation policy).</summary>
internal sealed class DeleteFileTool : ITool
{
    public ToolSpec Spec { get; } = new("delete_file", "Delete a file from the workspace.",
        Schema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"File path, relative to the workspace root."}},
             "required":["path"],"additionalProperties":false}
            """));

    public bool Idempotent => false;

    public Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Args.RequiredString(args, "path", allowEmpty: false);
        var full = context.Workspace.Resolve(path);
        if (Directory.Exists(full)) throw new ToolFailure(ErrorCodes.Validation, $"'{path}' is a directory; only files can be deleted.");
        if (!File.Exists(full)) throw new ToolFailure(ErrorCodes.NotFound, $"File '{path}' does not exist.");
        var bytes = new FileInfo(full).Length;
        File.Delete(full);
        return Task.FromResult(ToolResult.Success(call, $"Deleted {context.Workspace.Shown(full)}.", data: ToolData.Of(("bytes", bytes))));
    }
}
