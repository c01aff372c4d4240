using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>edit_file {path, old_string, new_string, replace_all?}</c>: exact search and replace, with its diff.</summary>
internal sealed class EditFileTool : ITool
{
    public ToolSpec Spec { get; } = new("edit_file",
        "Replace an exact piece of text in a file. old_string must occur exactly once unless replace_all is true. Read the file first.",
        Schema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"File path, relative to the workspace root."},
              "old_string":{"type":"string","description":"The exact text to replace (whitespace matters)."},
              "new_string":{"type":"string","description":"The text to put in its place."},
              "replace_all":{"type":"boolean","description":"Replace every occurrence. Default false."}},
             "required":["path","old_string","new_string"],"additionalProperties":false}
            """));

    public bool Idempotent => false;

    public async Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Args.RequiredString(args, "path", allowEmpty: false);
        var oldString = Args.RequiredString(args, "old_string");
        var newString = Args.RequiredString(args, "new_string");
        var replaceAll = Args.OptionalBool(args, "replace_all");
        if (oldString.Length == 0) throw new ToolFailure(ErrorCodes.Validation, "old_string must not be empty; use write_file to create content.");
        if (oldString == newString) throw new ToolFailure(ErrorCodes.Validation, "old_string and new_string are the same; nothing would change.");

        var full = context.Workspace.Resolve(path);
        Workspace.RequireNotSpecial(full, path);
        if (!File.Exists(full)) throw new ToolFailure(ErrorCodes.NotFound, $"File '{path}' does not exist.");
        var before = await File.ReadAllTextAsync(full, cancellationToken);
        var occurrences = Count(before, oldString);
        if (occurrences == 0) throw new ToolFailure(ErrorCodes.NotFound, $"old_string was not found in '{path}'. Read the file and copy the text exactly.");
        if (occurrences > 1 && !replaceAll)
            throw new ToolFailure(ErrorCodes.NotUnique, $"old_string occurs {occurrences} times in '{path}'. Add surrounding lines to make it unique, or set replace_all.");

        var after = replaceAll ? before.Replace(oldString, newString, StringComparison.Ordinal) : ReplaceFirst(before, oldString, newString);
        await File.WriteAllTextAsync(full, after, cancellationToken);

        var replaced = replaceAll ? occurrences : 1;
        return ToolResult.Success(call, $"Edited {context.Workspace.Shown(full)}: {replaced} replacement(s).", data: ToolData.Of(("replacements", replaced)));
    }

    private static int Count(string text, string value)
    {
        var count = 0;
        for (var i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string ReplaceFirst(string text, string oldValue, string newValue)
    {
        var i = text.IndexOf(oldValue, StringComparison.Ordinal);
        return string.Concat(text.AsSpan(0, i), newValue, text.AsSpan(i + oldValue.Length));
    }
}
