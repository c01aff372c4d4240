using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>list_files {path?, glob?}</c>: files under a folder, recursive, sorted, capped.</summary>
internal sealed class ListFilesTool : ITool
{
    private const int MaxEntries = 1000;

    public ToolSpec Spec { get; } = new("list_files",
        "List files under a folder of the workspace (recursive), as workspace-relative paths. Optionally filter with a glob such as '**/*.cs'.",
        Schema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"Folder to list, relative to the workspace root. Default: the root."},
              "glob":{"type":"string","description":"Only paths (relative to the workspace root) matching this glob: * any name part, ** any folders, ? one character."}},
             "required":[],"additionalProperties":false}
            """));

    public bool Idempotent => true;

    public Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var path = Args.OptionalString(args, "path") ?? ".";
        var glob = Args.OptionalString(args, "glob");
        var full = context.Workspace.Resolve(path);
        if (File.Exists(full)) throw new ToolFailure(ErrorCodes.Validation, $"'{path}' is a file; use read_file.");
        if (!Directory.Exists(full)) throw new ToolFailure(ErrorCodes.NotFound, $"Folder '{path}' does not exist.");

        var matcher = glob is null ? null : GlobToRegex(glob);
        var files = Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(context.Workspace.Shown)
            .Where(rel => matcher is null || matcher.IsMatch(rel))
            .Order(StringComparer.Ordinal)
            .Take(MaxEntries + 1)
            .ToList();
        var truncated = files.Count > MaxEntries;
        var output = new StringBuilder();
        foreach (var file in files.Take(MaxEntries)) output.Append(file).Append('\n');
        if (truncated) output.Append($"[more than {MaxEntries} files; narrow the path or glob]\n");
        if (files.Count == 0) output.Append("[no files]\n");
        return Task.FromResult(ToolResult.Success(call, output.ToString(), data: ToolData.Of(("count", Math.Min(files.Count, MaxEntries)), ("truncated", truncated))));
    }

    /// <summary><c>**/</c> any folders (or none), <c>**</c> anything, <c>*</c> anything but '/', <c>?</c> one character.</summary>
    internal static Regex GlobToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                var slash = i + 2 < glob.Length && glob[i + 2] == '/';
                pattern.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*') pattern.Append("[^/]*");
            else if (c == '?') pattern.Append("[^/]");
            else pattern.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
