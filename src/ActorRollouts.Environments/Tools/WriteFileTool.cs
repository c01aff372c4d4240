using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>write_file {path, content}</c>: creates or replaces a file, with its diff.</summary>
internal sealed class WriteFileTool : ITool
{
    public ToolSpec Spec { get; } = new("write_file",
        "Create a file or replace its whole content. Parent folders are created as needed.",
        Schema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"File path, relative to the workspace root."},
              "content":{"type":"string","description":"The complete new content of the file."}},
             "required":["path","content"],"additionalProperties":false}
            """));

    public bool Idempotent => false;

    public async Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Args.RequiredString(args, "path", allowEmpty: false);
        var content = Args.RequiredStringValue(args, "content");
        var full = context.Workspace.Resolve(path);
        if (Directory.Exists(full)) throw new ToolFailure(ErrorCodes.Validation, $"'{path}' is a directory.");
        Workspace.RequireNotSpecial(full, path);

        var existed = File.Exists(full);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        // Written from the arguments' own bytes, unescaped as they go: no string of the content.
        var bytes = await Task.Run(() =>
        {
            using var file = new FileStream(full, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024);
            return JsonStringContent.CopyTo(content, file);
        }, cancellationToken);

        var relative = context.Workspace.Relative(full);
        context.MarkRead(relative); // the model knows what it just wrote
        return ToolResult.Success(call, !existed ? $"Created {context.Workspace.Shown(full)} ({bytes} bytes)." : $"Wrote {context.Workspace.Shown(full)} ({bytes} bytes).",
            data: ToolData.Of(("bytes", bytes), ("created", !existed), (ToolResult.SeenPathKey, relative)));
    }
}
