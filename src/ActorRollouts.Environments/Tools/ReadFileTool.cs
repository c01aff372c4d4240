using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>read_file {path, offset?, limit?}</c>: numbered lines like <c>cat -n</c>, capped.</summary>
internal sealed class ReadFileTool : ITool
{
    private const int DefaultLimit = 2000;
    private const int MaxChars = 100_000;

    public ToolSpec Spec { get; } = new("read_file",
        "Read a text file from the workspace. Returns numbered lines (1-based). Use offset and limit for long files.",
        Schema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"File path, relative to the workspace root."},
              "offset":{"type":"integer","minimum":1,"description":"First line to return (1-based). Default 1."},
              "limit":{"type":"integer","minimum":1,"description":"How many lines to return. Default 2000."}},
             "required":["path"],"additionalProperties":false}
            """));

    public bool Idempotent => true;

    public async Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Args.RequiredString(args, "path", allowEmpty: false);
        var offset = Args.OptionalInt(args, "offset", 1) ?? 1;
        var limit = Args.OptionalInt(args, "limit", 1) ?? DefaultLimit;
        var full = context.Workspace.Resolve(path);
        if (Directory.Exists(full)) throw new ToolFailure(ErrorCodes.Validation, $"'{path}' is a directory; use list_files.");
        Workspace.RequireNotSpecial(full, path);
        if (!File.Exists(full)) throw new ToolFailure(ErrorCodes.NotFound, $"File '{path}' does not exist.");

        var text = await File.ReadAllTextAsync(full, cancellationToken);
        var lines = text.Split('\n');
        if (text.EndsWith('\n')) lines = lines[..^1];
        var output = new StringBuilder();
        var shown = 0;
        var truncated = false;
        for (var i = offset - 1; i < lines.Length && shown < limit; i++, shown++)
        {
            var line = $"{i + 1,6}\t{lines[i].TrimEnd('\r')}\n";
            if (output.Length + line.Length > MaxChars)
            {
                truncated = true;
                break;
            }
            output.Append(line);
        }
        var last = offset - 1 + shown;
        if (truncated || last < lines.Length)
            output.Append($"[showing lines {offset}-{last} of {lines.Length}; use offset/limit to read more]\n");
        if (lines.Length == 0) output.Append("[the file is empty]\n");

        var relative = context.Workspace.Relative(full);
        context.MarkRead(relative);
        return ToolResult.Success(call, output.ToString(), data: ToolData.Of(("lines", lines.Length), ("bytes", Encoding.UTF8.GetByteCount(text)), (ToolResult.SeenPathKey, relative)));
    }
}
