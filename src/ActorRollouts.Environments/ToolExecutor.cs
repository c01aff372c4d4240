using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Diffs;
using ActorRollouts.Environments.Tools;
using ActorRollouts.Environments.Workspaces;

namespace ActorRollouts.Environments;

/// <summary>A tool call's result and the workspace files it changed.</summary>
public sealed record ToolExecution(ToolResult Outcome, ImmutableList<FileChange> Changes);

/// <summary>Runs the model's tool calls against one workspace. Never throws for anything the model or a tool did: an
/// unknown tool, broken arguments, a tool failure or a crash all come back as a failed <see cref="ToolResult"/> the
/// model can read, so the session goes on. Around every tool that may write, it looks at the session's own changes before
/// and after (<see cref="ChangeTracker"/>), so the diffs and changed files of a result are what really changed on disk,
/// whichever tool did it.</summary>
public sealed class ToolExecutor : IToolExecutor
{
    private readonly IReadOnlyDictionary<string, ITool> _enabled;
    private readonly ToolContext _context;
    private readonly ChangeTracker _tracker;

    public ToolExecutor(Workspace workspace, IEnumerable<string> enabledTools, EnvironmentOptions? options = null, BlobStore? blobs = null)
        : this(workspace, enabledTools.Select(ToolCatalog.Get), options, blobs)
    {
    }

    /// <summary>The built-in tools named, and the session's MCP servers' tools.</summary>
    public ToolExecutor(Workspace workspace, IEnumerable<string> enabledTools, Mcp.McpSessionServers mcp, EnvironmentOptions? options = null, BlobStore? blobs = null)
        : this(workspace, enabledTools.Select(ToolCatalog.Get).Concat(mcp.Tools()), options, blobs)
    {
    }

    internal ToolExecutor(Workspace workspace, IEnumerable<ITool> tools, EnvironmentOptions? options = null, BlobStore? blobs = null)
    {
        _enabled = tools.ToDictionary(t => t.Spec.Name);
        _context = new ToolContext(workspace, options ?? EnvironmentOptions.Default, blobs);
        _tracker = new ChangeTracker(workspace, blobs);
    }

    public async Task<ToolExecution> ExecuteAsync(ToolCall call, CancellationToken cancellationToken)
    {
        if (!_enabled.TryGetValue(call.Name, out var tool)) return new ToolExecution(Unknown(call), []);
        if (tool.Idempotent) return new ToolExecution(await RunAsync(tool, call, cancellationToken), []);
        // Anything changed between calls (by a grader, or by hand) is not this call's doing.
        await Task.Run(_tracker.Track, CancellationToken.None);
        var result = await RunAsync(tool, call, cancellationToken);
        var (changes, special) = await Task.Run(_tracker.Track, CancellationToken.None);
        return new ToolExecution(WithSkipped(WithChanges(result, changes), special), changes);
    }

    /// <summary>A call the model named wrongly; or (token in, token out) a <c>&lt;tool_call&gt;</c> block that was not the
    /// JSON it should be, which the model is told in words it can act on.</summary>
    private ToolResult Unknown(ToolCall call) => call.Name == Core.Tokens.ToolCallParsers.InvalidCall
        ? ToolResult.Failure(call, ErrorCodes.Validation,
            $"A <tool_call> block could not be read: it must be JSON {{\"name\": <tool name>, \"arguments\": {{...}}}}. " +
            $"What was written: {call.Arguments}. Available tools: {string.Join(", ", _enabled.Keys.Order(StringComparer.Ordinal))}.")
        : ToolResult.Failure(call, ErrorCodes.ToolUnknown,
            $"Unknown tool '{call.Name}'. Available tools: {string.Join(", ", _enabled.Keys.Order(StringComparer.Ordinal))}.");

    private static ToolResult WithChanges(ToolResult result, ImmutableList<FileChange> changes) => changes.All(c => c.IsDirectory)
        ? result
        : result with
        {
            Diffs = changes.Where(c => c.Diff is not null).Select(c => new FileDiff(c.Path, c.Diff!)).ToImmutableList(),
            FilesChanged = changes.Where(c => !c.IsDirectory).Select(c => c.Path).ToImmutableList(),
        };

    /// <summary>Special files are never read for the change report; the result says which were left out.</summary>
    private static ToolResult WithSkipped(ToolResult result, ImmutableList<string> specialFiles) => specialFiles.IsEmpty
        ? result
        : result with
        {
            Data = (result.Data ?? ImmutableSortedDictionary<string, JsonElement>.Empty.WithComparers(StringComparer.Ordinal))
                .SetItem("special_files_skipped", JsonSerializer.SerializeToElement(specialFiles)),
        };

    private async Task<ToolResult> RunAsync(ITool tool, ToolCall call, CancellationToken cancellationToken)
    {
        try
        {
            using var document = ParseArguments(call, tool.Spec);
            CheckReadFirst(tool, document.RootElement);
            return await tool.ExecuteAsync(call, document.RootElement, _context, cancellationToken);
        }
        catch (ToolFailure failure)
        {
            return ToolResult.Failure(call, failure.ErrorCode, failure.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ToolResult.Failure(call, ErrorCodes.Timeout, $"'{call.Name}' did not finish in time and was stopped.");
        }
        catch (Exception ex)
        {
            return ToolResult.Failure(call, ErrorCodes.Internal, $"'{call.Name}' crashed: {ex.GetType().Name}: {ex.Message}");
        }
    }

    public void Remember(IEnumerable<string> seenFiles)
    {
        foreach (var path in seenFiles) _context.MarkRead(path);
    }

    /// <summary><c>requires_read_first</c>: the model may only change a file it has looked at in this session.</summary>
    private void CheckReadFirst(ITool tool, JsonElement arguments)
    {
        if (!_context.Options.RequireReadFirst.Contains(tool.Spec.Name)) return;
        if (!arguments.TryGetProperty("path", out var p) || p.ValueKind != JsonValueKind.String) return; // the tool reports it
        var full = _context.Workspace.Resolve(p.GetString()!);
        if (File.Exists(full) && !_context.HasRead(_context.Workspace.Relative(full)))
            throw new ToolFailure(ErrorCodes.Validation, $"Read '{p.GetString()}' with read_file before you {tool.Spec.Name} it.");
    }

    /// <summary>Arguments must be a JSON object with only the parameters the tool declares (an empty string counts as
    /// <c>{}</c>, as some models send for tools without parameters). The document reads the call's own bytes, no copy:
    /// the tool gets elements of it, so it lives until the tool is done.</summary>
    private static JsonDocument ParseArguments(ToolCall call, ToolSpec spec)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(call.Arguments.IsBlank ? "{}"u8.ToArray() : call.Arguments.Utf8);
        }
        catch (JsonException ex)
        {
            throw new ToolFailure(ErrorCodes.Validation, $"The arguments are not valid JSON ({ex.Message.Split(" Path:")[0]}). Send a JSON object.");
        }
        var args = document.RootElement;
        try
        {
            if (args.ValueKind != JsonValueKind.Object)
                throw new ToolFailure(ErrorCodes.Validation, $"The arguments must be a JSON object, got {args.ValueKind.ToString().ToLowerInvariant()}.");
            var known = Schema.PropertyNames(spec.ParametersSchema);
            foreach (var property in args.EnumerateObject())
                if (!known.Contains(property.Name))
                    throw new ToolFailure(ErrorCodes.Validation,
                        $"Unknown parameter '{property.Name}' for {spec.Name}. Parameters: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
            return document;
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }
}
