using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Tools;

namespace ActorRollouts.Environments;

/// <summary>Runs the model's tool calls against one workspace. Never throws for anything the model or a tool did: an
/// unknown tool, broken arguments, a tool failure or a crash all come back as a failed <see cref="ToolResult"/> the
/// model can read, so the session goes on.</summary>
public sealed class ToolExecutor
{
    private readonly IReadOnlyDictionary<string, ITool> _enabled;
    private readonly ToolContext _context;

    public ToolExecutor(Workspace workspace, IEnumerable<string> enabledTools)
        : this(workspace, enabledTools.Select(ToolCatalog.Get))
    {
    }

    internal ToolExecutor(Workspace workspace, IEnumerable<ITool> tools)
    {
        _enabled = tools.ToDictionary(t => t.Spec.Name);
        _context = new ToolContext(workspace);
    }

    public async Task<ToolResult> ExecuteAsync(ToolCall call, CancellationToken cancellationToken)
    {
        if (!_enabled.TryGetValue(call.Name, out var tool))
            return ToolResult.Failure(call, ErrorCodes.ToolUnknown,
                $"Unknown tool '{call.Name}'. Available tools: {string.Join(", ", _enabled.Keys.Order(StringComparer.Ordinal))}.");
        try
        {
            var arguments = ParseArguments(call, tool.Spec);
            return await tool.ExecuteAsync(call, arguments, _context, cancellationToken);
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

    /// <summary>Arguments must be a JSON object with only the parameters the tool declares (an empty string counts as
    /// <c>{}</c>, as some models send for tools without parameters).</summary>
    private static JsonElement ParseArguments(ToolCall call, ToolSpec spec)
    {
        JsonElement args;
        try
        {
            args = string.IsNullOrWhiteSpace(call.Arguments)
                ? JsonDocument.Parse("{}").RootElement
                : JsonDocument.Parse(call.Arguments).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new ToolFailure(ErrorCodes.Validation, $"The arguments are not valid JSON ({ex.Message.Split(" Path:")[0]}). Send a JSON object.");
        }
        if (args.ValueKind != JsonValueKind.Object)
            throw new ToolFailure(ErrorCodes.Validation, $"The arguments must be a JSON object, got {args.ValueKind.ToString().ToLowerInvariant()}.");
        var known = Schema.PropertyNames(spec.ParametersSchema);
        foreach (var property in args.EnumerateObject())
            if (!known.Contains(property.Name))
                throw new ToolFailure(ErrorCodes.Validation,
                    $"Unknown parameter '{property.Name}' for {spec.Name}. Parameters: {string.Join(", ", known.Order(StringComparer.Ordinal))}.");
        return args;
    }
}
