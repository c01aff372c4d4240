using System.Collections.Frozen;
using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Tools;

namespace ActorRollouts.Environments;

/// <summary>The built-in tools by name.</summary>
public static class ToolCatalog
{
    private static readonly FrozenDictionary<string, ITool> Tools = new ITool[]
    {
        new ReadFileTool(), new WriteFileTool(), new EditFileTool(), new DeleteFileTool(), new ListFilesTool(), new SearchTool(), new BashTool(),
    }.ToFrozenDictionary(t => t.Spec.Name);

    /// <summary>Offered when a task does not list its tools.</summary>
    public static IReadOnlyList<string> DefaultToolNames { get; } = ["read_file", "write_file", "edit_file", "list_files"];

    public static IReadOnlyList<string> AllToolNames { get; } = [.. Tools.Keys.Order(StringComparer.Ordinal)];

    public static bool IsKnown(string name) => Tools.ContainsKey(name);

    public static bool IsIdempotent(string name) => Tools.TryGetValue(name, out var tool) && tool.Idempotent;

    public static ITool Get(string name) =>
        Tools.TryGetValue(name, out var tool)
            ? tool
            : throw new ArgumentException($"Unknown tool '{name}'. Known tools: {string.Join(", ", AllToolNames)}.", nameof(name));

    public static ImmutableList<ToolSpec> Specs(IEnumerable<string> names) => names.Select(n => Get(n).Spec).ToImmutableList();

    /// <summary>The specs as this environment offers them: <c>bash</c>'s schema names its longest allowed timeout.</summary>
    public static ImmutableList<ToolSpec> Specs(IEnumerable<string> names, EnvironmentOptions options) =>
        names.Select(n => n == "bash" ? BashTool.SpecWith(options.MaxCommandSeconds) : Get(n).Spec).ToImmutableList();
}
