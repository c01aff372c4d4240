using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Environments.Tools;

/// <summary><c>search {pattern, path?, glob?, context?}</c>: a regular expression over the workspace's text files,
/// <c>path:line: text</c> per match (with context lines), capped.</summary>
internal sealed class SearchTool : ITool
{
    private const int MaxMatches = 200;
    private const int MaxFileBytes = 1 << 20;

    public ToolSpec Spec { get; } = new("search",
        "Search the workspace's text files with a regular expression (.NET syntax). Returns path:line: text for each match.",
        Schema.Parse("""
            {"type":"object","properties":{
              "pattern":{"type":"string","description":"Regular expression to look for."},
              "path":{"type":"string","description":"Folder (or file) to search, relative to the workspace root. Default: the root."},
              "glob":{"type":"string","description":"Only files (relative to the workspace root) matching this glob, e.g. '**/*.py'."},
              "context":{"type":"integer","minimum":0,"maximum":10,"description":"Lines of context around each match. Default 0."}},
             "required":["pattern"],"additionalProperties":false}
            """));

    public bool Idempotent => true;

    public Task<ToolResult> ExecuteAsync(ToolCall call, JsonElement args, ToolContext context, CancellationToken cancellationToken)
    {
        var pattern = Args.RequiredString(args, "pattern", allowEmpty: false);
        var path = Args.OptionalString(args, "path") ?? ".";
        var glob = Args.OptionalString(args, "glob");
        var around = Math.Min(Args.OptionalInt(args, "context", 0) ?? 0, 10);
        Regex regex;
        try
        {
            regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException ex)
        {
            throw new ToolFailure(ErrorCodes.Validation, $"'{pattern}' is not a valid regular expression: {ex.Message}");
        }
        var full = context.Workspace.Resolve(path);
        Workspace.RequireNotSpecial(full, path);
        var files = File.Exists(full) ? [full]
            : Directory.Exists(full) ? Directory.EnumerateFiles(full, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            : throw new ToolFailure(ErrorCodes.NotFound, $"'{path}' does not exist.");
        var matcher = glob is null ? null : ListFilesTool.GlobToRegex(glob);

        var output = new StringBuilder();
        int matches = 0, filesWithMatches = 0;
        try
        {
            foreach (var file in files.Select(f => (Full: f, Rel: context.Workspace.Shown(f))).Where(f => matcher is null || matcher.IsMatch(f.Rel)).OrderBy(f => f.Rel, StringComparer.Ordinal))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Files.FileKinds.Of(file.Full) != Files.FileKind.Regular) continue; // a FIFO would block the read
                if (new FileInfo(file.Full).Length > MaxFileBytes) continue;
                var lines = File.ReadAllLines(file.Full);
                if (lines.Any(l => l.Contains('\0'))) continue; // binary
                var hits = Enumerable.Range(0, lines.Length).Where(i => regex.IsMatch(lines[i])).ToList();
                if (hits.Count == 0) continue;
                filesWithMatches++;
                foreach (var i in hits)
                {
                    if (matches++ == MaxMatches) break;
                    for (var j = Math.Max(0, i - around); j <= Math.Min(lines.Length - 1, i + around); j++)
                        output.Append(file.Rel).Append(j == i ? ':' : '-').Append(j + 1).Append(j == i ? ": " : "- ").Append(lines[j]).Append('\n');
                    if (around > 0) output.Append("--\n");
                }
                if (matches > MaxMatches) break;
            }
        }
        catch (RegexMatchTimeoutException)
        {
            throw new ToolFailure(ErrorCodes.Timeout, $"The pattern '{pattern}' took too long to match; simplify it.");
        }
        if (matches > MaxMatches) output.Append($"[more than {MaxMatches} matches; narrow the pattern, path or glob]\n");
        if (matches == 0) output.Append("[no matches]\n");
        return Task.FromResult(ToolResult.Success(call, output.ToString(),
            data: ToolData.Of(("matches", Math.Min(matches, MaxMatches)), ("files", filesWithMatches))));
    }
}
