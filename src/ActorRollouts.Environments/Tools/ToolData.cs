using System.Collections.Immutable;
using System.Text.Json;

namespace ActorRollouts.Environments.Tools;

internal static class ToolData
{
    /// <summary>The per-tool <c>data</c> of a result (exit codes, byte counts, …) as JSON values.</summary>
    public static ImmutableDictionary<string, JsonElement> Of(params (string Key, object? Value)[] entries) =>
        entries.ToImmutableDictionary(e => e.Key, e => JsonSerializer.SerializeToElement(e.Value));
}
